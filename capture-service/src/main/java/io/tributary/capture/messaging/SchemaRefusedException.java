package io.tributary.capture.messaging;

/** The registry refused a table's new schema: capture stops before anything of it is sent. */
public class SchemaRefusedException extends RuntimeException {

    public SchemaRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
