package io.tributary.capture.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.tributary.capture.config.CaptureConfig;

/** Start-up refuses missing or invalid settings with a message naming the key. */
class CaptureConfigTest {

    static Map<String, String> valid() {
        Map<String, String> m = new HashMap<>();
        m.put("capture.tables", "public.customers,public.orders");
        m.put("capture.database.host", "db");
        m.put("capture.database.name", "tributary");
        m.put("capture.database.user", "capture");
        m.put("capture.kafka.bootstrap-servers", "kafka:9092");
        m.put("capture.registry.url", "http://registry:8080/apis/registry/v3");
        return m;
    }

    static CaptureConfig config(Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(CaptureConfig.class).withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 100)).build();
        return config.getConfigMapping(CaptureConfig.class);
    }

    @Test
    void missingKeyIsNamed() {
        Map<String, String> m = valid();
        m.remove("capture.kafka.bootstrap-servers");
        assertThatThrownBy(() -> config(m)).hasMessageContaining("capture.kafka.bootstrap-servers");
    }

    @Test
    void invalidValuesAreNamed() {
        Map<String, String> m = valid();
        m.put("capture.snapshot-mode", "sometimes");
        m.put("capture.partitions", "0");
        m.put("capture.tables", "customers");
        assertThatThrownBy(() -> CaptureEngine.validate(config(m)))
                .hasMessageContaining("capture.snapshot-mode: 'sometimes'")
                .hasMessageContaining("capture.partitions")
                .hasMessageContaining("capture.tables: 'customers' is not schema.table");
        Map<String, String> n = valid();
        n.put("capture.heartbeat-interval", "soon");
        assertThatThrownBy(() -> config(n)).hasMessageContaining("capture.heartbeat-interval");
    }

    @Test
    void engineProperties() {
        Map<String, String> m = valid();
        m.put("capture.debezium.transforms", "outbox");
        m.put("capture.debezium.transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        m.put("capture.debezium.max.batch.size", "8192");
        CaptureConfig config = config(m);
        CaptureEngine.validate(config);
        Properties p = CaptureEngine.engineProperties(config, Map.of("security.protocol", "SASL_SSL"));
        assertThat(p.getProperty("plugin.name")).isEqualTo("pgoutput");
        assertThat(p.getProperty("offset.storage")).isEqualTo("org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        assertThat(p.getProperty("offset.storage.topic")).isEqualTo("tributary.capture.offsets");
        assertThat(p.getProperty("table.include.list")).isEqualTo("public\\.customers,public\\.orders,public\\.tributary_heartbeat,public\\.tributary_signal");
        assertThat(p.getProperty("decimal.handling.mode")).isEqualTo("precise");
        assertThat(p.getProperty("heartbeat.interval.ms")).isEqualTo("10000");
        assertThat(p.getProperty("transforms")).isEqualTo("outbox");
        assertThat(p.getProperty("transforms.outbox.type")).isEqualTo("io.debezium.transforms.outbox.EventRouter");
        // our latency default (Debezium's is 500 ms), and capture.debezium.* overrides ours
        assertThat(p.getProperty("poll.interval.ms")).isEqualTo("20");
        assertThat(p.getProperty("max.batch.size")).isEqualTo("8192");
        // the offset store connects to Kafka with the service's client settings
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("database.sslmode")).isNull();
    }

    @Test
    void postgresTlsSettingsReachTheConnector() {
        Map<String, String> m = valid();
        m.put("capture.database.ssl-mode", "verify-full");
        m.put("capture.database.ssl-root-cert", "/etc/hosts");
        CaptureConfig config = config(m);
        CaptureEngine.validate(config);
        Properties p = CaptureEngine.engineProperties(config, Map.of());
        assertThat(p.getProperty("database.sslmode")).isEqualTo("verify-full");
        assertThat(p.getProperty("database.sslrootcert")).isEqualTo("/etc/hosts");
    }

    @Test
    void badPostgresTlsSettingsAreNamed() {
        Map<String, String> m = valid();
        m.put("capture.database.ssl-mode", "strict");
        m.put("capture.database.ssl-root-cert", "/nonexistent/ca.crt");
        CaptureConfig config = config(m);
        assertThatThrownBy(() -> CaptureEngine.validate(config))
                .hasMessageContaining("capture.database.ssl-mode: 'strict'")
                .hasMessageContaining("capture.database.ssl-root-cert: /nonexistent/ca.crt");
    }

    @Test
    void kafkaClientSettingsComeFromTheKafkaNamespaceAndItsEnvironmentNames() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of("kafka.security.protocol", "SASL_SSL",
                        "kafka.bootstrap.servers", "ignored:1", "capture.tables", "x"), "props", 100))
                .withSources(new io.smallrye.config.EnvConfigSource(Map.of("KAFKA_SASL_JAAS_CONFIG", "jaas line",
                        "KAFKA_SSL_TRUSTSTORE_LOCATION", "/tls/truststore.p12"), 300))
                .build();
        assertThat(io.tributary.capture.config.KafkaClientSettings.from(config)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.jaas.config", "jaas line",
                "ssl.truststore.location", "/tls/truststore.p12"));
    }
}
