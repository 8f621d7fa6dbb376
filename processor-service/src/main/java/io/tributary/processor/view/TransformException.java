package io.tributary.processor.view;

/**
 * A change that can never be turned into a view record (bad envelope, unknown column, missing reference
 * under the dead-letter policy). Permanent: the change goes to the dead-letter topic.
 *
 * <p>Messages name tables, views and columns, never a value: they end up in logs and DLQ headers.
 */
public class TransformException extends RuntimeException {

    public TransformException(String message) {
        super(message);
    }

    public TransformException(String message, Throwable cause) {
        super(message, cause);
    }
}
