package io.tributary.processor.messaging;

import java.io.IOException;

import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

/** Tells transient failures (retry, never dead-letter) from permanent ones (dead-letter). */
public final class Failures {

    private Failures() {
    }

    /**
     * Whether {@code failure} comes from an unavailable service: an I/O error (connection refused or
     * closed, registry unreachable), a retriable Kafka error, or a timeout.
     */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof RetriableException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a failed send is the record's fault (it cannot be serialized), not the broker's. */
    public static boolean isRecordFault(Throwable failure) {
        if (isTransient(failure)) {
            return false;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SerializationException || t instanceof org.apache.avro.AvroRuntimeException) {
                return true;
            }
        }
        return false;
    }
}
