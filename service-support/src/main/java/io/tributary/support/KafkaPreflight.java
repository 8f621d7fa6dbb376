package io.tributary.support;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Asks Kafka for its cluster once at start-up with the service's own client settings, so that wrong credentials
 * or an untrusted certificate fail start-up with a message naming the key, instead of a consumer that logs
 * authentication errors forever. A broker that does not answer in time is not an error here: the service
 * starts and its clients keep trying, as they would without this check.
 */
public final class KafkaPreflight {

    private KafkaPreflight() {
    }

    /**
     * @param clientConfig Kafka client properties (other than admin ones are ignored)
     * @param keyPrefix how the service spells its Kafka keys, for the message
     * @throws IllegalStateException when Kafka refused the credentials, the certificate or the principal
     */
    public static void check(Map<String, ?> clientConfig, String keyPrefix, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        clientConfig.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k) && v != null) {
                config.put(k, v);
            }
        });
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        String bootstrap = String.valueOf(config.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        try (Admin admin = Admin.create(config)) {
            StartupCheck.await("Kafka at " + bootstrap, admin.describeCluster().clusterId().toCompletionStage(),
                    failure -> AccessFailures.kafka(failure, bootstrap, keyPrefix), timeout);
        } catch (org.apache.kafka.common.KafkaException e) {
            // a client that cannot even be built: an unreadable trust store, a JAAS line that does not parse
            throw new IllegalStateException("the Kafka client settings (" + keyPrefix + "*) are unusable: " + e.getMessage()
                    + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""), e);
        }
    }
}
