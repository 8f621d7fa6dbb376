package io.tributary.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.stack.LocalStack;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.StackException;
import io.tributary.stack.StackLayout;
import io.tributary.stack.StackSecurity;
import io.tributary.tools.demo.DemoMain;
import io.tributary.tools.reconcile.ReconcileMain;
import io.tributary.tools.reconcile.RedisRows;
import io.tributary.tools.workload.WorkloadGenerator;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The pipeline on a secure stack ({@code ./pipeline up --secure}): TLS on Kafka (SASL_SSL, SCRAM), Redis, PostgreSQL
 * and S3, each service with its own principal and least privilege. Changes flow end to end and reconcile clean; no
 * output holds a raw value of a masked column; a wrong password fails start-up naming the key; a principal is refused
 * a topic it has no ACL for.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurePipelineIT {

    static final int CHANGES = 2_000;
    /** Customers whose segment never exists: with on-missing=retry they are dead-lettered, emails and phones in them. */
    static final List<Long> ORPHANS = List.of(990_001L, 990_002L, 990_003L);

    @TempDir
    static Path dir;
    static LocalStack stack;
    static StackSecurity security;
    static List<QuarkusAppProcess> apps;
    static ReconcileMain.Endpoints endpoints;

    @BeforeAll
    static void start() throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        StackLayout layout = StackLayout.discover();
        stack = new LocalStack(dir.resolve("stack"), LocalStack.Ports.free(), layout, true);
        stack.up(line -> System.out.println("[stack] " + line));
        security = stack.security().orElseThrow();
        try (Connection pg = stack.postgres().connect()) {
            WorkloadGenerator.createDemoSchema(pg);
        }
        endpoints = ReconcileMain.Endpoints.forStack(stack);
        apps = DemoMain.apps(stack, Map.of(
                "tributary.log.json", "true",
                "processor.views.customer_view.joins.segment.on-missing", "retry",
                "processor.views.customer_view.joins.segment.retry-for", "5s"));
        for (QuarkusAppProcess app : apps) {
            app.start();
        }
    }

    @AfterAll
    static void stop() {
        if (apps != null) {
            apps.forEach(app -> {
                if (app.isRunning()) {
                    app.stop();
                }
            });
        }
        if (stack != null) {
            stack.down(line -> { });
        }
    }

    @Test
    @Order(1)
    void changesFlowEndToEndOverTlsWithEachServicesOwnPrincipal() throws Exception {
        var settings = new WorkloadGenerator.Settings(400, Duration.ZERO, CHANGES, 1, 20261124L, WorkloadGenerator.Settings.DEFAULT_MIX);
        WorkloadGenerator.Progress done;
        try (Connection pg = stack.postgres().connect()) {
            done = new WorkloadGenerator(pg, settings).run(p -> { });
            try (PreparedStatement insert = pg.prepareStatement(
                    "INSERT INTO customers (id, name, email, phone, segment_id) VALUES (?, ?, ?, ?, 999)")) {
                for (long id : ORPHANS) {
                    insert.setLong(1, id);
                    insert.setString(2, "orphan-" + id);
                    insert.setString(3, "user" + id + "@example.com");
                    insert.setString(4, "+1-555-" + (9_000_000 + id % 1_000_000));
                    insert.executeUpdate();
                }
            }
        }
        assertThat(done.changes()).isEqualTo(CHANGES);

        // the orphans reach the dead-letter topic; then they go from the source, so that reconcile can be clean
        try (TopicReader reader = new TopicReader(stack.kafka().bootstrapServers(), security.kafkaClientProperties("tools"))) {
            org.awaitility.Awaitility.await("orphans dead-lettered").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> reader.records(StackSecurity.DEAD_LETTER_TOPIC).size() >= ORPHANS.size());
        }
        try (Connection pg = stack.postgres().connect(); var delete = pg.createStatement()) {
            delete.executeUpdate("DELETE FROM customers WHERE id >= 990001");
        }
        CleanReconcile.await(endpoints, Duration.ofMinutes(4), dir.resolve("stack"));
        for (QuarkusAppProcess app : apps) {
            assertThat(app.isRunning()).as("%s still runs", app.name()).isTrue();
        }
    }

    @Test
    @Order(2)
    void noOutputHoldsARawValueOfAMaskedColumn() throws Exception {
        PiiScan control = new PiiScan();
        PiiScan outputs = new PiiScan();
        try (TopicReader reader = new TopicReader(stack.kafka().bootstrapServers(), security.kafkaClientProperties("tools"))) {
            // the control: the change topic holds the raw values by design, so the scan does find them there
            control.kafka("tributary.public.customers", reader.records("tributary.public.customers"));
            assertThat(control.findings()).as("raw values in the change topic (the scan's control)").isNotEmpty();

            for (String topic : reader.topics(StackSecurity.VIEW_TOPIC_PREFIX)) {
                outputs.kafka(topic, reader.records(topic));
            }
            List<ConsumerRecord<byte[], byte[]>> dead = reader.records(StackSecurity.DEAD_LETTER_TOPIC);
            assertThat(dead).hasSizeGreaterThanOrEqualTo(ORPHANS.size());
            for (ConsumerRecord<byte[], byte[]> record : dead) {
                assertThat(record.value()).as("a dead letter keeps the (masked) change").isNotNull();
                assertThat(new String(record.headers().lastHeader("dlq.masked.columns").value(), StandardCharsets.UTF_8))
                        .isEqualTo("email,phone");
            }
            outputs.kafka(StackSecurity.DEAD_LETTER_TOPIC, dead);
        }
        long rows;
        try (S3Client s3 = ReconcileMain.s3(endpoints)) {
            rows = outputs.lake(s3, endpoints.bucket());
        }
        long keys = outputs.redis(RedisRows.options(endpoints));
        for (QuarkusAppProcess app : apps) {
            outputs.log(app.logFile());
        }
        System.out.printf("[secure] PII scan: %d Parquet rows, %d Redis keys, view and dead-letter topics, 3 logs%n", rows, keys);
        assertThat(rows).isPositive();
        assertThat(keys).isPositive();
        assertThat(outputs.findings()).as("raw values of masked columns in an output").isEmpty();
    }

    @Test
    @Order(3)
    void aPrincipalIsRefusedATopicItHasNoAclFor() {
        Properties props = new Properties();
        props.putAll(security.kafkaClientProperties("sink"));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partition = new org.apache.kafka.common.TopicPartition("tributary.public.customers", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 20; i++) {
                    consumer.poll(Duration.ofMillis(500));
                }
            }).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    @Order(4)
    void aServiceWithAWrongPasswordFailsStartUpNamingTheKey() {
        QuarkusAppProcess processor = misconfigured("processor-service", apps.get(1), "kafka.sasl.jaas.config",
                security.kafkaClientProperties("processor").get("sasl.jaas.config").replace(security.kafkaPassword("processor"), "wrong"));
        assertThatThrownBy(processor::start).isInstanceOf(StackException.class)
                .hasMessageContaining("exited").hasMessageContaining("kafka.sasl.jaas.config");

        QuarkusAppProcess sink = misconfigured("sink-service", apps.get(2), "quarkus.redis.hosts",
                security.redisUri("sink").replace(security.redisPassword("sink"), "wrong"));
        assertThatThrownBy(sink::start).isInstanceOf(StackException.class)
                .hasMessageContaining("exited").hasMessageContaining("quarkus.redis.hosts").hasMessageContaining("WRONGPASS")
                .hasMessageNotContaining(security.redisPassword("sink"));

        QuarkusAppProcess capture = misconfigured("capture-service", apps.get(0), "capture.database.password", "wrong");
        assertThatThrownBy(capture::start).isInstanceOf(StackException.class)
                .hasMessageContaining("exited").hasMessageContaining("capture.database.password");
    }

    /** A second instance of a running service, on its own port and folder, with one setting wrong. */
    private static QuarkusAppProcess misconfigured(String name, QuarkusAppProcess running, String key, String value) {
        Map<String, String> config = new HashMap<>(running.config());
        config.put(key, value);
        // the capture must not take over the running one's slot: a wrong password never gets that far, but be sure
        config.put("capture.slot-name", "tributary_misconfigured");
        return new QuarkusAppProcess(name, dir.resolve("misconfigured-" + name), running.jar(), LocalStack.Ports.free().capture(), config,
                List.of("-Xmx256m"));
    }

}
