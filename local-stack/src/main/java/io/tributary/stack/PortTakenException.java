package io.tributary.stack;

/** A service's port is taken by a process this stack did not start: another port may do. */
public final class PortTakenException extends StackException {

    public PortTakenException(String message) {
        super(message);
    }
}
