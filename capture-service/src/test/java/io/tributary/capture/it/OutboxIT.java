package io.tributary.capture.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Outbox routing: a business row and its outbox event written in one transaction (as quarkus-debezium-outbox
 * does: insert then delete the event row); Debezium's EventRouter, configured through capture.debezium.*,
 * routes the event to a topic per aggregate type, where it arrives once.
 */
@QuarkusTest
@QuarkusTestResource(value = CaptureResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "db", value = "outbox_it"),
        @ResourceArg(name = "script", value = "it/outbox.sql"),
        @ResourceArg(name = "tables", value = "public.orders,public.outboxevent"),
        @ResourceArg(name = "capture.debezium.predicates", value = "isOutbox"),
        @ResourceArg(name = "capture.debezium.predicates.isOutbox.type", value = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"),
        @ResourceArg(name = "capture.debezium.predicates.isOutbox.pattern", value = "it-outbox_it\\.public\\.outboxevent"),
        @ResourceArg(name = "capture.debezium.transforms", value = "outbox"),
        @ResourceArg(name = "capture.debezium.transforms.outbox.type", value = "io.debezium.transforms.outbox.EventRouter"),
        @ResourceArg(name = "capture.debezium.transforms.outbox.predicate", value = "isOutbox"),
        @ResourceArg(name = "capture.debezium.transforms.outbox.route.topic.replacement", value = "it-outbox_it.outbox.$${routedByValue}")
})
class OutboxIT {

    private static final CaptureDatabase DB = new CaptureDatabase("outbox_it");

    @jakarta.inject.Inject
    io.tributary.capture.health.CaptureState state;

    @Test
    void outboxEventArrivesOnceOnItsAggregateTopic() throws Exception {
        // the slot exists once the task has started: only then are writes sure to be captured
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> state.status().phase() == io.tributary.capture.health.CaptureState.Phase.RUNNING);
        UUID eventId = UUID.randomUUID();
        try (Connection c = DB.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO orders (id, customer_id, amount, currency, status) VALUES (42, 7, 19.99, 'EUR', 'new')");
                s.execute("INSERT INTO outboxevent (id, aggregatetype, aggregateid, type, timestamp, payload) VALUES ('" + eventId
                        + "', 'Order', '42', 'OrderPlaced', now(), '{\"id\": 42, \"amount\": \"19.99\"}')");
                s.execute("DELETE FROM outboxevent WHERE id = '" + eventId + "'");
            }
            c.commit();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DB.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "outbox-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Pattern.compile("it-outbox_it\\.(outbox\\..*|public\\.orders)"));
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().anyMatch(r -> r.topic().equals("it-outbox_it.outbox.Order"))
                        && seen.stream().anyMatch(r -> r.topic().equals("it-outbox_it.public.orders"));
            });
            // a little more polling so that a duplicate would show up
            Awaitility.await().pollInSameThread().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> consumer.poll(Duration.ofMillis(200)).isEmpty());
            List<ConsumerRecord<String, String>> events = seen.stream().filter(r -> r.topic().equals("it-outbox_it.outbox.Order")).toList();
            assertThat(events).hasSize(1);
            ConsumerRecord<String, String> event = events.get(0);
            assertThat(event.key()).isEqualTo("42");
            assertThat(event.value()).contains("\"amount\": \"19.99\"");
            assertThat(new String(event.headers().lastHeader("id").value(), StandardCharsets.UTF_8)).isEqualTo(eventId.toString());
            assertThat(new String(event.headers().lastHeader("tributary.event-id").value(), StandardCharsets.UTF_8)).isEqualTo(eventId.toString());
        }
    }
}
