package io.tributary.support;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

/**
 * Asks Kafka for its cluster once at start-up with the service's own client settings, so that wrong credentials
 * or an untrusted certificate fail start-up with a message naming the key, instead of a consumer that logs
 * authentication errors forever. A broker that does not answer in time is not an error here: the service
 * starts and its clients keep trying, as they would without this check.
 */
public final class KafkaPreflight {

    private static final Logger LOG = Logger.getLogger(KafkaPreflight.class);

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
            admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            AccessFailures.kafka(e, bootstrap, keyPrefix).ifPresent(message -> {
                throw new IllegalStateException(message, e.getCause());
            });
            LOG.warnf("Kafka at %s did not answer the start-up check (%s); starting anyway, the clients retry", bootstrap,
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        } catch (TimeoutException e) {
            LOG.warnf("Kafka at %s did not answer within %d s at start-up; starting anyway, the clients retry", bootstrap,
                    timeout.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (org.apache.kafka.common.KafkaException e) {
            // a client that cannot even be built: an unreadable trust store, a JAAS line that does not parse
            throw new IllegalStateException("the Kafka client settings (" + keyPrefix + "*) are unusable: " + e.getMessage()
                    + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""), e);
        }
    }
}
