package io.tributary.processor.view;

import java.util.List;

/** What one change becomes: its event id, source table, and one record per view that follows the table. */
public record ViewResult(String eventId, String table, List<ViewRecord> records) {
}
