package io.tributary.processor.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.avro.Op;
import io.tributary.demo.OrderChange;
import io.tributary.processor.Changes;
import io.tributary.processor.it.KafkaTestClient;
import io.tributary.processor.it.TopicsResource;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * Tracing is off by default ({@code quarkus.otel.sdk.disabled=true}, the connector's tracing off): a change
 * with a {@code traceparent} yields a view record without one and no exported span, as before tracing existed.
 */
@QuarkusTest
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "services", value = "kafka,redis,registry"))
@QuarkusTestResource(value = TopicsResource.class, restrictToAnnotatedClass = true)
class ProcessorTracingOffIT {

    @Inject
    InMemorySpanExporter spans;

    @Test
    void noTraceparentAndNoSpanByDefault() throws Exception {
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
        assertThat(view.headers().lastHeader("traceparent")).as("traceparent with the SDK disabled").isNull();
        assertThat(spans.getFinishedSpanItems()).isEmpty();
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
