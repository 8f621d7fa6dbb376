package io.tributary.sink.redis;

import java.util.List;

import io.tributary.sink.view.ViewRecord;

/** The latest state of every row: applied write-if-newer, so replays and reordering never regress it. */
public interface LatestState {

    /**
     * Builds the writes of these changes (renders every column) without touching the store, so an error in a
     * change (one that no retry can fix) surfaces here, outside the retried {@link Prepared#apply()}.
     */
    Prepared prepare(List<ViewRecord> changes);

    /**
     * Applies the changes in order, each only if its LSN is newer than what the store holds for its row
     * (row or delete marker).
     */
    default Outcome apply(List<ViewRecord> changes) {
        return prepare(changes).apply();
    }

    /** The writes of a list of changes, ready to send. */
    interface Prepared {

        /**
         * Sends the writes; returns how many were applied and how many were stale (skipped). Throws if the store
         * is unavailable, in which case applying again is safe.
         */
        Outcome apply();
    }

    /** Counts of one {@link #apply}, per table. */
    record Outcome(java.util.Map<String, Integer> applied, java.util.Map<String, Integer> stale) {
    }
}
