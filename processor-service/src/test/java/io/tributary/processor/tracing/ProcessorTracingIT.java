package io.tributary.processor.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.tributary.avro.Op;
import io.tributary.demo.OrderChange;
import io.tributary.processor.Changes;
import io.tributary.processor.it.KafkaTestClient;
import io.tributary.processor.it.TopicsResource;
import io.tributary.processor.messaging.ChangePipeline;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * Processor's link of the trace: a change record whose {@code traceparent} names trace X, span S (as the
 * capture-service writes it) yields processor spans in trace X descending from S (process, dedupe, transform),
 * and a view record whose {@code traceparent} is in trace X and names an exported span descending from S.
 * Real Kafka, Redis and registry; SDK on with the in-memory exporter.
 */
@QuarkusTest
@TestProfile(TracingProfile.class)
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "services", value = "kafka,redis,registry"))
@QuarkusTestResource(value = TopicsResource.class, restrictToAnnotatedClass = true)
class ProcessorTracingIT {

    @Inject
    InMemorySpanExporter spans;

    @Test
    void viewRecordStaysInTheChangesTrace() throws Exception {
        String traceId = hex(16);
        String parentSpanId = hex(8);
        OrderChange change = Changes.orderChange(Op.INSERT, 900_000 + ThreadLocalRandom.current().nextInt(99_999), 1,
                "12.50", "NEW");
        String eventId = change.getEventId().toString();
        send(TopicsResource.ORDERS, change, "00-" + traceId + "-" + parentSpanId + "-01");

        TestServices services = TestServices.shared();
        ConsumerRecord<GenericRecord, GenericRecord> view;
        try (KafkaTestClient client = new KafkaTestClient(services.kafka().bootstrapServers(), services.registry().url())) {
            ConsumerRecord<GenericRecord, GenericRecord>[] found = new ConsumerRecord[1];
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                found[0] = client.readAvro(TopicsResource.ORDER_VIEW).stream()
                        .filter(r -> r.value() != null && r.value().get("event_id").toString().equals(eventId))
                        .findFirst().orElse(null);
                return found[0] != null;
            });
            view = found[0];
        }
        Header header = view.headers().lastHeader("traceparent");
        assertThat(header).as("traceparent of the view record").isNotNull();
        String[] viewParent = new String(header.value(), StandardCharsets.UTF_8).split("-");
        assertThat(viewParent[1]).as("trace id of the view record").isEqualTo(traceId);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, SpanData> inTrace = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getTraceId().equals(traceId))
                    .collect(Collectors.toMap(SpanData::getSpanId, Function.identity(), (a, b) -> a));
            SpanData process = find(inTrace, "process " + TopicsResource.ORDERS);
            assertThat(ancestry(inTrace, process)).as("process span's ancestry").endsWith(parentSpanId);
            assertThat(process.getAttributes().get(AttributeKey.stringKey("tributary.event_id"))).isEqualTo(eventId);
            for (String step : List.of("dedupe", "transform")) {
                SpanData child = inTrace.values().stream()
                        .filter(s -> s.getName().equals(step) && s.getParentSpanId().equals(process.getSpanId()))
                        .findFirst().orElseThrow(() -> new AssertionError("no " + step + " span under process: " + inTrace.values()));
                assertThat(child.getAttributes().get(AttributeKey.stringKey("tributary.event_id"))).isEqualTo(eventId);
            }
            SpanData producer = Optional.ofNullable(inTrace.get(viewParent[2]))
                    .orElseThrow(() -> new AssertionError("the view record's span " + viewParent[2] + " was not exported"));
            assertThat(ancestry(inTrace, producer)).as("the view record's span ancestry")
                    .contains(process.getSpanId()).endsWith(parentSpanId);
        });
    }

    private static SpanData find(Map<String, SpanData> spans, String name) {
        return spans.values().stream().filter(s -> s.getName().equals(name) && s.getInstrumentationScopeInfo().getName()
                .equals(ChangePipeline.TRACER_NAME)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans.values()));
    }

    /** Span ids from {@code span}'s parent up to the first parent that was not exported here (the remote one). */
    private static List<String> ancestry(Map<String, SpanData> spans, SpanData span) {
        List<String> out = new java.util.ArrayList<>();
        for (SpanData s = span; s != null && s.getParentSpanContext().isValid(); s = spans.get(s.getParentSpanId())) {
            out.add(s.getParentSpanId());
        }
        return out;
    }

    private static void send(String topic, OrderChange change, String traceparent) throws Exception {
        TestServices services = TestServices.shared();
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", services.kafka().bootstrapServers());
        config.put("acks", "all");
        Map<String, Object> serde = Map.of("apicurio.registry.url", services.registry().url(),
                "apicurio.registry.auto-register", "true");
        AvroKafkaSerializer<Object> keys = new AvroKafkaSerializer<>();
        keys.configure(serde, true);
        AvroKafkaSerializer<Object> values = new AvroKafkaSerializer<>();
        values.configure(serde, false);
        GenericRecord generic = Changes.generic(change);
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<Object, Object> producer = new KafkaProducer<>(config, keys, values)) {
            producer.send(new ProducerRecord<>(topic, null, generic.get("key"), generic, headers)).get();
        }
    }

    private static String hex(int bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes; i++) {
            out.append(String.format("%02x", ThreadLocalRandom.current().nextInt(1, 256)));
        }
        return out.toString();
    }
}
