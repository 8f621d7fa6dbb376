package io.tributary.sink.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import jakarta.inject.Inject;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.tributary.sink.engine.SinkEngine;
import io.tributary.sink.testing.Lake;
import io.tributary.sink.testing.ViewProducer;
import io.tributary.sink.testing.Views;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * Sink's link of the trace: view records whose {@code traceparent} headers name (trace X, span S) yield an
 * exported Redis-apply span and a Parquet-upload span that link to each (X, S). Real Kafka, Redis, S3Proxy and
 * registry; SDK on with the in-memory exporter.
 */
@QuarkusTest
@TestProfile(TracingProfile.class)
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "services", value = "kafka,redis,s3,registry"))
class SinkTracingIT {

    private static final long HOUR_10 = Instant.parse("2026-11-23T10:20:00Z").toEpochMilli();

    @Inject
    InMemorySpanExporter spans;

    @Test
    void redisAndUploadSpansLinkToEveryRecordsTrace() throws Exception {
        TestServices services = TestServices.shared();
        String table = "qt_trace_" + UUID.randomUUID().toString().substring(0, 8);
        String topic = "tributary.view." + table;
        try (ViewProducer views = new ViewProducer(services)) {
            views.createTopic(topic, 1);
        }
        Set<String> sent = Set.of(hex(16) + "-" + hex(8), hex(16) + "-" + hex(8)); // traceId-spanId
        try (KafkaProducer<Object, Object> producer = producer(services)) {
            long id = 1;
            for (String context : sent) {
                GenericRecord change = Views.orderChange("t-" + id, "INSERT", 1000 + id, HOUR_10, id,
                        Views.order(id, 7, "1.00", null, Instant.ofEpochMilli(HOUR_10)));
                RecordHeaders headers = new RecordHeaders();
                headers.add("traceparent", ("00-" + context + "-01").getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, 0, null, change.get("key"), change, headers)).get(30, TimeUnit.SECONDS);
                id++;
            }
        }
        try (Lake lake = new Lake(services)) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> lake.eventIdCounts(table + "/").keySet().containsAll(List.of("t-1", "t-2")));
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<SpanData> sink = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getInstrumentationScopeInfo().getName().equals(SinkEngine.TRACER_NAME)).toList();
            List<SpanData> uploads = sink.stream().filter(s -> table.equals(s.getAttributes()
                    .get(AttributeKey.stringKey("tributary.table")))).toList();
            assertThat(uploads).as("upload spans of " + table).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.getName()).isEqualTo("sink upload " + table))
                    .allSatisfy(s -> assertThat(s.getAttributes().get(AttributeKey.stringKey("tributary.object_key")))
                            .startsWith(table + "/"));
            assertThat(linked(uploads)).as("links of the upload spans").containsAll(sent);
            assertThat(uploads.stream().mapToLong(s -> s.getAttributes().get(AttributeKey.longKey("tributary.rows"))).sum())
                    .isEqualTo(2);
            List<SpanData> applies = sink.stream().filter(s -> s.getName().equals("sink apply redis")
                    && s.getAttributes().get(AttributeKey.stringKey("tributary.tables")).contains(table)).toList();
            assertThat(linked(applies)).as("links of the Redis apply spans").containsAll(sent);
        });
    }

    private static Set<String> linked(List<SpanData> spans) {
        return spans.stream().flatMap(s -> s.getLinks().stream()).map(LinkData::getSpanContext)
                .map(c -> c.getTraceId() + "-" + c.getSpanId()).collect(Collectors.toSet());
    }

    private static KafkaProducer<Object, Object> producer(TestServices services) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka().bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                "apicurio.registry.url", services.registry().url(),
                "apicurio.registry.auto-register", "true"));
    }

    private static String hex(int bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes; i++) {
            out.append(String.format("%02x", ThreadLocalRandom.current().nextInt(1, 256)));
        }
        return out.toString();
    }
}
