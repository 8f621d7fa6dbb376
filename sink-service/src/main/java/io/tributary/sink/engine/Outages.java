package io.tributary.sink.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

import io.vertx.core.VertxException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Tells an outage of S3 or Redis (worth retrying: the same call can succeed later) from any other error (a bad
 * row, a Lua error, a missing bucket, denied access, a bug), which retrying would only hide.
 *
 * <p>Outages: I/O and connection errors, timeouts, S3 answers 5xx / 408 / 429 / throttling, and Redis
 * replies that say the server is not ready ({@code LOADING}, {@code BUSY}, {@code TRYAGAIN}, …) or that the
 * connection closed.
 */
public final class Outages {

    private static final Set<String> REDIS_TRANSIENT = Set.of("CONNECTION_CLOSED", "LOADING", "BUSY", "TRYAGAIN",
            "CLUSTERDOWN", "MASTERDOWN", "READONLY");

    private Outages() {
    }

    /** Whether this error, or one of its causes, is an outage. */
    public static boolean isOutage(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (isOutageItself(e)) {
                return true;
            }
            if (e instanceof AwsServiceException) {
                return false; // the service answered: its status code decided above
            }
        }
        return false;
    }

    private static boolean isOutageItself(Throwable e) {
        if (e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof java.util.concurrent.TimeoutException || e instanceof io.smallrye.mutiny.TimeoutException) {
            return true;
        }
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            return status >= 500 || status == 408 || status == 429 || service.isThrottlingException();
        }
        if (e instanceof SdkClientException) {
            return true; // the request did not get an answer (connection refused, reset, timed out)
        }
        if (e instanceof io.vertx.redis.client.Response) {
            // a Redis error reply (ErrorType); its first word is the error code
            String message = String.valueOf(e.getMessage());
            int space = message.indexOf(' ');
            return REDIS_TRANSIENT.contains(space < 0 ? message : message.substring(0, space));
        }
        if (e instanceof VertxException || e instanceof IllegalStateException) {
            // the Vert.x Redis client's connection/pool errors ("Connection is closed", pool busy)
            String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            return message.contains("connection") || message.contains("closed");
        }
        return false;
    }
}
