package io.tributary.capture.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.tributary.capture.health.CaptureState;
import io.tributary.capture.it.CaptureDatabase;
import io.tributary.capture.it.CaptureResource;
import io.tributary.capture.messaging.ChangePublisher;

/**
 * Capture's link of the trace: a captured row change's Kafka record carries a W3C {@code traceparent} whose span
 * is the exported PRODUCER span of that change (real PostgreSQL, Kafka and registry; SDK on, in-memory exporter).
 */
@QuarkusTest
@TestProfile(TracingProfile.class)
@QuarkusTestResource(value = CaptureResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "db", value = "capture_tracing_it"),
        @ResourceArg(name = "tables", value = "public.customer_segments,public.customers,public.orders")
})
class CaptureTracingIT {

    private static final CaptureDatabase DB = new CaptureDatabase("capture_tracing_it");

    @Inject
    CaptureState state;

    @Inject
    InMemorySpanExporter spans;

    @Test
    void changeRecordCarriesTheTraceparentOfItsCaptureSpan() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> state.status().phase() == CaptureState.Phase.RUNNING);
        try (Connection c = DB.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO customer_segments (id, name, tier) VALUES (7, 'traced', 'T')");
        }
        String topic = DB.prefix() + ".public.customer_segments";

        ConsumerRecord<byte[], byte[]> record = readOne(topic);
        String eventId = header(record, ChangePublisher.EVENT_ID_HEADER);
        String traceparent = header(record, "traceparent");
        assertThat(traceparent).as("traceparent header of the change record").isNotNull()
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        String traceId = traceparent.split("-")[1];
        String spanId = traceparent.split("-")[2];

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<SpanData> exported = spans.getFinishedSpanItems();
            SpanData capture = exported.stream().filter(sp -> sp.getSpanId().equals(spanId)).findFirst()
                    .orElseThrow(() -> new AssertionError("no exported span " + spanId + " in " + exported));
            assertThat(capture.getTraceId()).isEqualTo(traceId);
            assertThat(capture.getName()).isEqualTo("capture public.customer_segments");
            assertThat(capture.getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(capture.getInstrumentationScopeInfo().getName()).isEqualTo(ChangePublisher.TRACER_NAME);
            assertThat(capture.getAttributes().get(AttributeKey.stringKey("tributary.event_id"))).isEqualTo(eventId);
            assertThat(capture.getAttributes().get(AttributeKey.stringKey("tributary.table")))
                    .isEqualTo("public.customer_segments");
            assertThat(capture.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo(topic);
            assertThat(capture.getAttributes().get(AttributeKey.longKey("tributary.lsn"))).isPositive();
        });
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
