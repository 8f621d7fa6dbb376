package io.tributary.support;

import java.util.Optional;

import javax.net.ssl.SSLException;

import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Turns a refused connection (wrong password, untrusted certificate, missing ACL) into a start-up message that
 * names the configuration key to fix. A refusal is final: retrying cannot help, so a service fails start-up on it
 * instead of retrying forever. Other failures (a server still starting, a network hiccup) are not explained here:
 * the services retry those.
 */
public final class AccessFailures {

    private AccessFailures() {
    }

    /**
     * Why Kafka refused this client, naming the key; empty when the failure is not a refusal.
     *
     * @param keyPrefix how the service spells its Kafka client keys, {@code kafka.} or {@code capture.kafka.}
     */
    public static Optional<String> kafka(Throwable failure, String bootstrapServers, String keyPrefix) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SaslAuthenticationException) {
                return Optional.of("Kafka at " + bootstrapServers + " refused the credentials in " + keyPrefix
                        + "sasl.jaas.config (" + keyPrefix + "sasl.mechanism): " + t.getMessage());
            }
            if (t instanceof SslAuthenticationException) {
                return Optional.of("TLS with Kafka at " + bootstrapServers + " failed; check " + keyPrefix
                        + "ssl.truststore.location (the CA that signed the broker's certificate) and " + keyPrefix
                        + "security.protocol: " + rootMessage(t));
            }
            if (t instanceof AuthorizationException) {
                return Optional.of("Kafka at " + bootstrapServers + " denied the principal of " + keyPrefix
                        + "sasl.jaas.config: " + t.getMessage() + " (grant it the ACLs listed in SECURITY.md)");
            }
        }
        return Optional.empty();
    }

    /**
     * Why Redis refused this client, naming the key; empty when the failure is not a refusal. The message never
     * contains the password.
     */
    public static Optional<String> redis(Throwable failure, String hostsKey) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH") || message.contains("WRONGPASS")) {
                return Optional.of("Redis refused the user and password in " + hostsKey
                        + " (rediss://USER:PASSWORD@host:port): " + firstLine(message));
            }
            if (message.startsWith("NOPERM")) {
                return Optional.of("Redis denied the user of " + hostsKey + ": " + firstLine(message)
                        + " (give it the ACL listed in SECURITY.md)");
            }
            if (t instanceof SSLException) {
                return Optional.of("TLS with Redis failed; check " + hostsKey
                        + " (rediss://) and the trust store of its TLS configuration (quarkus.redis.tls-configuration-name): "
                        + rootMessage(t));
            }
        }
        return Optional.empty();
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
