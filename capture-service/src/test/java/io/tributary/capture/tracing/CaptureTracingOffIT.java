package io.tributary.capture.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.capture.health.CaptureState;
import io.tributary.capture.it.CaptureDatabase;
import io.tributary.capture.it.CaptureResource;
import io.tributary.capture.messaging.ChangePublisher;

/**
 * Tracing is off by default ({@code quarkus.otel.sdk.disabled=true}): a captured change's record carries no
 * {@code traceparent} header and no span is exported, exactly as before tracing existed.
 */
@QuarkusTest
@QuarkusTestResource(value = CaptureResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "db", value = "capture_tracing_off_it"),
        @ResourceArg(name = "tables", value = "public.customer_segments,public.customers,public.orders")
})
class CaptureTracingOffIT {

    private static final CaptureDatabase DB = new CaptureDatabase("capture_tracing_off_it");

    @Inject
    CaptureState state;

    @Inject
    InMemorySpanExporter spans;

    @Test
    void noTraceparentAndNoSpanByDefault() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> state.status().phase() == CaptureState.Phase.RUNNING);
        try (Connection c = DB.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO customer_segments (id, name, tier) VALUES (8, 'untraced', 'U')");
        }
        ConsumerRecord<byte[], byte[]> record = readOne(DB.prefix() + ".public.customer_segments");
        assertThat(header(record, ChangePublisher.EVENT_ID_HEADER)).isNotNull();
        assertThat(header(record, "traceparent")).as("traceparent with the SDK disabled").isNull();
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    private static ConsumerRecord<byte[], byte[]> readOne(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DB.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(topic)));
            ConsumerRecord<byte[], byte[]>[] found = new ConsumerRecord[1];
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    found[0] = r;
                }
                return found[0] != null;
            });
            return found[0];
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header h = record.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
