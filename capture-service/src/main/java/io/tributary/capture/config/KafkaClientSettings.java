package io.tributary.capture.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.config.Config;

/**
 * Kafka client properties beyond the bootstrap servers (security.protocol, sasl.*, ssl.*), read from the
 * {@code kafka.*} namespace the processor and the sink use too, so one set of names ({@code KAFKA_SASL_JAAS_CONFIG},
 * {@code KAFKA_SSL_TRUSTSTORE_LOCATION}, ...) configures every service. They apply to the change producer, the
 * topic admin client and the Debezium offset store alike.
 */
public final class KafkaClientSettings {

    /** How the keys are spelled in the configuration, for messages. */
    public static final String PREFIX = "kafka.";

    private KafkaClientSettings() {
    }

    /** Every {@code kafka.x.y} property (or environment variable {@code KAFKA_X_Y}) as {@code x.y}; bootstrap.servers left out. */
    public static Map<String, String> from(Config config) {
        Map<String, String> properties = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            String key;
            if (name.startsWith(PREFIX)) {
                key = name.substring(PREFIX.length());
            } else if (name.startsWith("KAFKA_") && name.equals(name.toUpperCase(Locale.ROOT))) {
                key = name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
            } else {
                continue;
            }
            if (key.isEmpty() || key.equals("bootstrap.servers")) {
                continue;
            }
            config.getOptionalValue(PREFIX + key, String.class).ifPresent(value -> properties.put(key, value));
        }
        return properties;
    }
}
