package io.tributary.stack;

/** A backing service could not be installed, started or reached; the message says which and why. */
public class StackException extends RuntimeException {

    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
