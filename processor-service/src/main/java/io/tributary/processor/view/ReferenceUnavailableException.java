package io.tributary.processor.view;

/**
 * Reference data is not there yet (table still loading, or the row missing under the retry policy).
 * Transient: retried with back-off, never dead-lettered as such.
 */
public class ReferenceUnavailableException extends RuntimeException {

    public ReferenceUnavailableException(String message) {
        super(message, null, false, false);
    }
}
