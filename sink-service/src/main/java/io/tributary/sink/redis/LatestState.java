package io.tributary.sink.redis;

import java.util.List;

import io.tributary.sink.view.ViewRecord;

/** The latest state of every row: applied write-if-newer, so replays and reordering never regress it. */
public interface LatestState {

    /**
     * Applies the changes in order, each only if its LSN is newer than what the store holds for its row
     * (row or delete marker). Returns how many were stale (skipped); throws if the store is unavailable, in
     * which case applying the same list again is safe.
     */
    Outcome apply(List<ViewRecord> changes);

    /** Counts of one {@link #apply}, per table. */
    record Outcome(java.util.Map<String, Integer> applied, java.util.Map<String, Integer> stale) {
    }
}
