package io.tributary.sink.dedupe;

import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.tributary.sink.view.ViewRecord;

/**
 * Which event ids are already in an uploaded lake file, per table: the lake's dedupe by event id. The view
 * topic can hold the same change twice at two offsets (processor crash windows, a replay older than its dedupe
 * TTL); the offset-coverage check cannot see that, this can.
 *
 * <p>Order: check ({@link #uploaded}) before buffering a row, upload the file, then {@link #record} its ids.
 * Failure cases: a crash between the upload and the record leaves those ids unrecorded, so a copy of one of
 * them arriving later at another offset is written again (the sink's own redelivery of the same offsets is
 * still caught by the offset-coverage check); an id older than the store's TTL is forgotten.
 */
public interface UploadedEvents {

    /** The ids ({@link #id}) of those changes whose event id is recorded as uploaded; throws if the store is down. */
    Set<String> uploaded(List<ViewRecord> changes);

    /** Records these event ids of a table as uploaded; recording one twice is harmless. */
    void record(String table, Collection<String> eventIds);

    /** A change's identity in the lake: table and event id. */
    static String id(String table, String eventId) {
        return table + ":" + eventId;
    }
}
