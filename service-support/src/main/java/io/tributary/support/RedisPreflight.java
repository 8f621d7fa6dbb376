package io.tributary.support;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * One PING at start-up with the service's own Redis client, so a wrong user, password or trust store fails
 * start-up with a message naming the key. A Redis that does not answer is not an error here: the service starts
 * and retries, as it would without this check.
 */
public final class RedisPreflight {

    private RedisPreflight() {
    }

    /**
     * @param ping the service's client sending PING
     * @param hostsKey the key holding the Redis URI, for the message
     * @throws IllegalStateException when Redis refused the credentials, the user's rights or the TLS handshake
     */
    public static void check(CompletionStage<?> ping, String hostsKey, Duration timeout) {
        StartupCheck.await("Redis (" + hostsKey + ")", ping, failure -> AccessFailures.redis(failure, hostsKey), timeout);
    }
}
