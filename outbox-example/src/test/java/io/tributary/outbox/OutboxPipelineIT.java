package io.tributary.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tributary.stack.PostgresServer;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.StackLayout;
import io.tributary.testsupport.Http;
import io.tributary.testsupport.TestServices;

/**
 * The outbox pipeline end to end: this app places an order (business row and outbox event in one transaction, the
 * event row deleted right away as in production), the PACKAGED capture-service, run as its own process with the
 * routing settings of the README, routes the event with Debezium's EventRouter to {@code tributary.outbox.Order},
 * where it arrives exactly once. Needs {@code capture-service/target/quarkus-app/quarkus-run.jar} (the reactor
 * packages capture-service before this module).
 */
@QuarkusTest
@QuarkusTestResource(value = PipelineDatabaseResource.class, restrictToAnnotatedClass = true)
class OutboxPipelineIT {

    private static final String TOPIC = "tributary.outbox.Order";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static QuarkusAppProcess capture;

    /** The capture-service's settings: the test services, its own slot, and the outbox routing of the README. */
    static Map<String, String> captureConfig() {
        TestServices services = TestServices.shared();
        Map<String, String> config = new HashMap<>();
        config.put("capture.database.host", "127.0.0.1");
        config.put("capture.database.port", Integer.toString(services.postgres().port()));
        config.put("capture.database.name", PipelineDatabaseResource.DATABASE);
        config.put("capture.database.user", PostgresServer.USER);
        config.put("capture.kafka.bootstrap-servers", services.kafka().bootstrapServers());
        config.put("capture.registry.url", services.registry().url());
        config.put("capture.slot-name", PipelineDatabaseResource.DATABASE);
        config.put("capture.publication-name", PipelineDatabaseResource.DATABASE);
        config.put("capture.name", "outbox-pipeline-it");
        config.put("capture.heartbeat-interval", "1s");
        // README, "Capture-service settings to route the events" (system properties: no .properties escaping)
        config.put("capture.tables", "public.orders,public.outboxevent");
        config.put("capture.debezium.predicates", "isOutbox");
        config.put("capture.debezium.predicates.isOutbox.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
        config.put("capture.debezium.predicates.isOutbox.pattern", "tributary\\.public\\.outboxevent");
        config.put("capture.debezium.transforms", "outbox");
        config.put("capture.debezium.transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        config.put("capture.debezium.transforms.outbox.predicate", "isOutbox");
        config.put("capture.debezium.transforms.outbox.route.topic.replacement", "tributary.outbox.$${routedByValue}");
        return config;
    }

    /** Runs after the app has started, so Hibernate has created the outbox table the capture-service checks for. */
    @BeforeAll
    static void startCapture() throws IOException {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "outbox-pipeline-it")), "capture-");
        capture = new QuarkusAppProcess("capture-service", dir, QuarkusAppProcess.packagedJar(StackLayout.discover(), "capture-service"),
                freePort(), captureConfig(), List.of("-Xmx384m"));
        System.out.println("OutboxPipelineIT: capture-service log " + capture.logFile().toAbsolutePath());
        capture.start(); // returns once /q/health/ready is UP: streaming, so the slot exists
    }

    @AfterAll
    static void stopCapture() throws SQLException {
        if (capture != null) {
            capture.stop();
        }
        try (Connection c = TestServices.shared().postgres().connect(); Statement s = c.createStatement()) {
            PipelineDatabaseResource.dropSlot(s);
        }
    }

    @Test
    void anOrderPlacedThroughTheAppArrivesOnceOnItsAggregateTopic() throws Exception {
        long first = place(7, "19.99", "EUR");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.shared().kafka().bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer())) {
            // the capture-service creates the topic before its first send to it
            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> consumer.listTopics(Duration.ofSeconds(5)).containsKey(TOPIC));
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();

            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().anyMatch(r -> r.key().equals(Long.toString(first)));
            });
            ConsumerRecord<String, String> event = only(seen, first);
            JsonNode payload = JSON.readTree(event.value());
            assertThat(payload.get("id").asLong()).isEqualTo(first);
            assertThat(payload.get("customer_id").asLong()).isEqualTo(7);
            assertThat(payload.get("amount").isTextual()).as("amount is exact text").isTrue();
            assertThat(payload.get("amount").asText()).isEqualTo("19.99");
            assertThat(payload.get("currency").asText()).isEqualTo("EUR");
            assertThat(payload.get("status").asText()).isEqualTo("placed");
            String eventId = header(event, "id");
            assertThat(UUID.fromString(eventId)).isNotNull();
            assertThat(header(event, "tributary.event-id")).isEqualTo(eventId);
            assertThat(outboxRows()).as("the event row is deleted in its transaction: only the WAL carries it").isZero();

            // Not duplicated: a second order, then wait until the capture-service has committed its position past
            // it (the slot's confirmed LSN; after that not even a restart re-sends), then read the topic to its end.
            long second = place(8, "5.00", "USD");
            String walAfterSecond = query("SELECT pg_current_wal_lsn()::text");
            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> "true".equals(query("SELECT (confirmed_flush_lsn >= '" + walAfterSecond
                            + "'::pg_lsn)::text FROM pg_replication_slots WHERE slot_name = '" + PipelineDatabaseResource.DATABASE + "'")));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
            assertThat(seen).hasSize(2);
            assertThat(only(seen, first).offset()).isEqualTo(event.offset());
            ConsumerRecord<String, String> secondEvent = only(seen, second);
            assertThat(JSON.readTree(secondEvent.value()).get("amount").asText()).isEqualTo("5.00");
            assertThat(header(secondEvent, "id")).isNotEqualTo(eventId);
            assertThat(routedCount()).as("tributary_capture_routed_total{topic=%s}", TOPIC).isEqualTo(2.0);
            // the event row is inserted and deleted, never updated (a JsonNode payload made Hibernate update it in
            // between, which the EventRouter ignored with a warning per event)
            assertThat(Files.readString(capture.logFile())).doesNotContain("Unexpected update message");
            // Hibernate's schema update left the captured demo table as schemas/ defines it
            assertThat(query("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_name) FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name IN ('currency', 'status')")).isEqualTo("currency text, status text");
        }
    }

    private static long place(long customerId, String amount, String currency) {
        return given().contentType(ContentType.JSON)
                .body("{\"customer_id\": " + customerId + ", \"amount\": \"" + amount + "\", \"currency\": \"" + currency + "\"}")
                .post("/orders").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    private static ConsumerRecord<String, String> only(List<ConsumerRecord<String, String>> records, long orderId) {
        List<ConsumerRecord<String, String>> matching = records.stream().filter(r -> r.key().equals(Long.toString(orderId))).toList();
        assertThat(matching).as("events of order %d on %s", orderId, TOPIC).hasSize(1);
        return matching.get(0);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header %s", name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static long outboxRows() throws SQLException {
        return Long.parseLong(query("SELECT count(*)::text FROM outboxevent"));
    }

    private static String query(String sql) throws SQLException {
        try (Connection c = TestServices.shared().postgres().connect(PipelineDatabaseResource.DATABASE);
                PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** {@code tributary_capture_routed_total{topic="tributary.outbox.Order"}} from the capture-service's /q/metrics. */
    private static double routedCount() throws IOException, InterruptedException {
        HttpClient http = Http.client();
        String metrics = http.send(HttpRequest.newBuilder(URI.create(capture.url() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines()
                .filter(l -> l.startsWith("tributary_capture_routed_total{") && l.contains("topic=\"" + TOPIC + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
