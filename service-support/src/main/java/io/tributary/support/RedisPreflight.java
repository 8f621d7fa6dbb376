package io.tributary.support;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

/**
 * One PING at start-up with the service's own Redis client, so a wrong user, password or trust store fails
 * start-up with a message naming the key. A Redis that does not answer is not an error here: the service starts
 * and retries, as it would without this check.
 */
public final class RedisPreflight {

    private static final Logger LOG = Logger.getLogger(RedisPreflight.class);

    private RedisPreflight() {
    }

    /**
     * @param ping the service's client sending PING
     * @param hostsKey the key holding the Redis URI, for the message
     * @throws IllegalStateException when Redis refused the credentials, the user's rights or the TLS handshake
     */
    public static void check(CompletionStage<?> ping, String hostsKey, Duration timeout) {
        try {
            ping.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            AccessFailures.redis(e, hostsKey).ifPresent(message -> {
                throw new IllegalStateException(message, e.getCause());
            });
            LOG.warnf("Redis (%s) did not answer the start-up check (%s); starting anyway, the client retries", hostsKey,
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        } catch (TimeoutException e) {
            LOG.warnf("Redis (%s) did not answer within %d s at start-up; starting anyway, the client retries", hostsKey,
                    timeout.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
