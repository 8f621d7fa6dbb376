package io.tributary.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.stack.LocalStack;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.StackLayout;
import io.tributary.tools.demo.DemoMain;
import io.tributary.tools.reconcile.LakeRows;
import io.tributary.tools.observability.ObservabilityFiles;
import io.tributary.tools.reconcile.ReconcileMain;
import io.tributary.tools.reconcile.ReconcileWatch;
import io.tributary.tools.replay.Replay;
import io.tributary.tools.replay.ReplayMain;
import io.tributary.tools.workload.WorkloadGenerator;
import io.tributary.tools.workload.WorkloadGenerator.Kind;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole pipeline as it runs in production: the three packaged services as separate processes on the real
 * stack. 10,000 mixed changes over customers, orders and customer_segments; meanwhile each service is killed
 * with SIGKILL once (a supervisor restarts it, as Kubernetes would) and the Kafka broker is restarted once.
 * At the end Redis equals PostgreSQL for every key, and the lake holds every captured change exactly once by
 * event id. Then a replay of every topic from the beginning changes neither Redis nor any Parquet object.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineFaultIT {

    static final int CHANGES = 10_000;
    static final List<String> TABLES = List.of("customers", "orders", "customer_segments");
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @TempDir
    static Path dir;
    static LocalStack stack;
    static List<QuarkusAppProcess> apps;
    static Supervisor supervisor;
    static ReconcileMain.Endpoints endpoints;

    @BeforeAll
    static void start() throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        StackLayout layout = StackLayout.discover();
        stack = new LocalStack(dir.resolve("stack"), LocalStack.Ports.free(), layout);
        stack.up(line -> System.out.println("[stack] " + line));
        try (Connection pg = stack.postgres().connect()) {
            WorkloadGenerator.createDemoSchema(pg);
        }
        endpoints = ReconcileMain.Endpoints.forStack(stack.ports());
        apps = DemoMain.apps(stack, Map.of("tributary.log.json", "true"));
        supervisor = new Supervisor(apps);
        supervisor.startAll();
    }

    @AfterAll
    static void stop() {
        if (supervisor != null) {
            supervisor.close();
        }
        if (stack != null) {
            stack.down(line -> { });
        }
    }

    @Test
    @Order(1)
    void everyChangeArrivesOnceThroughAKillOfEachServiceAndABrokerRestart() throws Exception {
        MetricTotals metrics = new MetricTotals(apps.get(1), apps.get(2));
        metrics.start();
        AtomicLong written = new AtomicLong();
        var settings = new WorkloadGenerator.Settings(300, Duration.ZERO, CHANGES, 1, 20261123L, WorkloadGenerator.Settings.DEFAULT_MIX);
        CompletableFuture<WorkloadGenerator.Progress> workload = CompletableFuture.supplyAsync(() -> {
            try (Connection pg = stack.postgres().connect()) {
                return new WorkloadGenerator(pg, settings).run(p -> written.set(p.changes()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // faults while changes flow: each service mid-stream, then the broker
        faultAt(written, 1_500, "SIGKILL capture-service", () -> supervisor.kill("capture-service"));
        faultAt(written, 3_500, "SIGKILL processor-service", () -> {
            log("processor has read " + metrics.total("processor-service", "tributary_processor_records_in_total") + " changes");
            supervisor.kill("processor-service");
        });
        faultAt(written, 5_500, "SIGKILL sink-service", () -> {
            log("sink has applied " + metrics.total("sink-service", "tributary_sink_redis_writes_total") + " rows to Redis");
            supervisor.kill("sink-service");
        });
        faultAt(written, 7_500, "restart Kafka broker", () -> {
            stack.kafka().stop();
            Thread.sleep(3000);
            stack.kafka().start();
        });
        WorkloadGenerator.Progress done = workload.get();
        assertThat(done.changes()).isEqualTo(CHANGES);
        log("workload done: " + done.changes() + " changes " + done.byKind());

        String report = CleanReconcile.await(endpoints, Duration.ofMinutes(6), dir.resolve("stack"));
        metrics.stop();
        log(report);

        Map<String, Map<String, Integer>> captured = new HashMap<>();
        try (TopicReader reader = new TopicReader(stack.kafka().bootstrapServers())) {
            for (String table : TABLES) {
                captured.put(table, reader.eventIds("tributary.public." + table));
            }
        }
        Map<String, Long> expected = Map.of(
                "customers", done.byKind().get(Kind.CUSTOMER_INSERT) + done.byKind().get(Kind.CUSTOMER_UPDATE)
                        + done.byKind().get(Kind.CUSTOMER_DELETE),
                "orders", done.byKind().get(Kind.ORDER_INSERT) + done.byKind().get(Kind.ORDER_UPDATE));
        long capturedRecords = 0;
        long capturedDistinct = 0;
        long lost = 0;
        long lakeDuplicates = 0;
        try (S3Client s3 = ReconcileMain.s3(endpoints)) {
            for (ReconcileMain.Pair pair : ReconcileMain.DEMO) {
                Map<String, Integer> ids = captured.get(pair.table());
                assertThat((long) ids.size()).as("distinct changes of %s captured", pair.table()).isEqualTo(expected.get(pair.table()));
                LakeRows.Result lake = LakeRows.read(s3, endpoints.bucket(), "", pair.view(), List.of("id"), List.of("id"));
                Set<String> missing = new HashSet<>(ids.keySet());
                missing.removeAll(lake.eventIds().keySet());
                Set<String> extra = new HashSet<>(lake.eventIds().keySet());
                extra.removeAll(ids.keySet());
                assertThat(missing).as("changes of %s missing in the lake", pair.table()).isEmpty();
                assertThat(extra).as("lake rows of %s that no change explains", pair.view()).isEmpty();
                assertThat(lake.duplicateChanges()).as("changes of %s the lake holds twice", pair.view()).isZero();
                capturedRecords += ids.values().stream().mapToLong(Integer::longValue).sum();
                capturedDistinct += ids.size();
                lost += missing.size();
                lakeDuplicates += lake.duplicateChanges();
            }
        }
        assertThat(captured.get("customer_segments").size()).as("segment changes captured")
                .isGreaterThanOrEqualTo(done.byKind().get(Kind.SEGMENT_UPDATE).intValue());
        for (QuarkusAppProcess app : apps) {
            // the workload's masked columns: emails user…@example.com/.org, phones +1-555-…
            java.util.regex.Pattern pii = java.util.regex.Pattern.compile("user\\d+@example\\.(com|org)|\\+1-555-\\d{7}");
            try (var lines = java.nio.file.Files.lines(app.logFile(), StandardCharsets.ISO_8859_1)) {
                assertThat(lines.filter(line -> pii.matcher(line).find()).limit(3).toList())
                        .as("raw PII in the log of %s", app.name()).isEmpty();
            }
        }
        // JSON logs: from start-up on, every log line of every life of each service is one JSON object
        for (QuarkusAppProcess app : apps) {
            List<String> lines = java.nio.file.Files.readAllLines(app.logFile(), StandardCharsets.ISO_8859_1);
            long jsonStarts = 0;
            for (String line : lines.stream().filter(l -> l.startsWith("{")).toList()) {
                var json = JSON.readTree(line);
                assertThat(json.path("level").isTextual()).as("a JSON log line of %s: %s", app.name(), line).isTrue();
                jsonStarts += json.path("message").asText().contains(" started in ") ? 1 : 0;
            }
            assertThat(lines.stream().filter(l -> !l.startsWith("{") && l.contains(" started in ")).toList())
                    .as("plain-text log lines of %s after start-up", app.name()).isEmpty();
            assertThat(jsonStarts).as("starts of %s logged as JSON (killed once, so two lives)", app.name()).isGreaterThanOrEqualTo(2);
        }

        // the dashboard and the alert rules query only series the running services (and reconcile) export
        Set<String> exported = new HashSet<>();
        for (QuarkusAppProcess app : apps) {
            exported.addAll(ObservabilityFiles.seriesNames(httpGet(app.url() + "/q/metrics")));
        }
        try (ReconcileWatch watch = new ReconcileWatch(endpoints, ReconcileMain.DEMO, "127.0.0.1", 0)) {
            watch.runOnce();
            exported.addAll(ObservabilityFiles.seriesNames(httpGet("http://127.0.0.1:" + watch.port() + "/metrics")));
        }
        assertThat(ObservabilityFiles.load().missing(exported)).as("series the dashboard or alert rules query but nothing exports").isEmpty();

        assertThat(supervisor.restarts()).as("each service killed and restarted")
                .containsKeys("capture-service", "processor-service", "sink-service");

        log(String.format("""
                end-to-end fault test
                  changes written to PostgreSQL        %,d (%,d to customers and orders)
                  distinct changes captured             %,d (customers, orders)
                  records on change topics              %,d -> %,d delivered twice by capture after its kill
                  changes read by processor             %,.0f (summed over its lives: re-reads after its kill included)
                  duplicates dropped by processor       %,.0f (dedupe set)
                  duplicates dropped by sink            %,.0f by event id, %,.0f rows already in a lake file
                  lake duplicates                       %,d
                  lost                                  %,d
                  restarts                              %s, broker 1""",
                done.changes(), expected.values().stream().mapToLong(Long::longValue).sum(), capturedDistinct, capturedRecords,
                capturedRecords - capturedDistinct, metrics.total("processor-service", "tributary_processor_records_in_total"),
                metrics.total("processor-service", "tributary_processor_duplicates_dropped_total"),
                metrics.total("sink-service", "tributary_sink_duplicates_dropped_total"),
                metrics.total("sink-service", "tributary_sink_rows_already_in_lake_total"), lakeDuplicates, lost, supervisor.restarts()));
    }

    @Test
    @Order(2)
    void replayingEveryTopicFromTheBeginningChangesNothing() throws Exception {
        CleanReconcile.await(endpoints, Duration.ofMinutes(3), dir.resolve("stack"));
        Map<String, String> before = lakeObjects();
        assertThat(before).isNotEmpty();

        supervisor.pause();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Replay.Move> moves = ReplayMain.run(stack, ReplayMain.targets(List.of()), new Replay.Beginning(),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        supervisor.resume();
        log(out.toString(StandardCharsets.UTF_8));
        long replayed = moves.stream().mapToLong(Replay.Move::toReplay).sum();
        assertThat(replayed).as("records re-driven").isGreaterThanOrEqualTo(CHANGES / 2);

        try (TopicReader reader = new TopicReader(stack.kafka().bootstrapServers())) {
            org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> reader.lag(ReplayMain.PROCESSOR_GROUP) == 0 && reader.lag(ReplayMain.SINK_GROUP) == 0);
        }
        // a file the replay opened would be in S3 once the sink holds none open (it rolls within the demo's 10 s)
        org.awaitility.Awaitility.await("the sink has no open file").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Double.valueOf(0).equals(io.tributary.tools.demo.Metrics.scrape(apps.get(2).url())
                        .get("tributary_sink_open_buffers")));
        CleanReconcile.await(endpoints, Duration.ofMinutes(1), dir.resolve("stack"));
        assertThat(lakeObjects()).as("Parquet objects (name -> ETag) after the replay").isEqualTo(before);
    }

    private static String httpGet(String url) throws Exception {
        return io.tributary.tools.demo.Metrics.text(url, Duration.ofSeconds(10));
    }

    /** Object key -> ETag (the MD5 of its content) of every Parquet object. */
    private static Map<String, String> lakeObjects() {
        Map<String, String> objects = new java.util.TreeMap<>();
        try (S3Client s3 = ReconcileMain.s3(endpoints)) {
            s3.listObjectsV2Paginator(b -> b.bucket(endpoints.bucket())).contents()
                    .forEach(o -> objects.put(o.key(), o.eTag()));
        }
        return objects;
    }

    private static void faultAt(AtomicLong written, long changes, String what, ThrowingRunnable fault) throws Exception {
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> written.get() >= changes);
        log("after " + written.get() + " changes: " + what);
        fault.run();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void log(String line) {
        System.out.println("[e2e] " + line);
    }

    /** Restarts a service whose process is gone, as Kubernetes would; counts the restarts per service. */
    static final class Supervisor implements AutoCloseable {

        private final List<QuarkusAppProcess> apps;
        private final Map<String, Integer> restarts = new ConcurrentHashMap<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean paused;
        private volatile boolean closed;

        Supervisor(List<QuarkusAppProcess> apps) {
            this.apps = apps;
        }

        void startAll() throws Exception {
            List<Thread> starting = new ArrayList<>();
            for (QuarkusAppProcess app : apps) {
                starting.add(Thread.ofVirtual().start(app::start));
            }
            for (Thread t : starting) {
                t.join();
            }
            for (QuarkusAppProcess app : apps) {
                if (!app.isRunning()) {
                    throw new AssertionError(app.name() + " did not start; log " + app.logFile());
                }
                threads.add(Thread.ofVirtual().name("supervise-" + app.name()).start(() -> watch(app)));
            }
        }

        private void watch(QuarkusAppProcess app) {
            while (!closed) {
                try {
                    Thread.sleep(500);
                    if (!paused && !closed && !app.isRunning()) {
                        log(app.name() + " is gone: restarting it");
                        app.start();
                        restarts.merge(app.name(), 1, Integer::sum);
                        log(app.name() + " is back");
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log(app.name() + " restart failed, trying again: " + e.getMessage());
                }
            }
        }

        void kill(String name) {
            QuarkusAppProcess app = apps.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
            assertThat(app.isRunning()).as(name + " runs before it is killed").isTrue();
            app.kill();
        }

        Map<String, Integer> restarts() {
            return Map.copyOf(restarts);
        }

        void pause() {
            paused = true;
        }

        void resume() {
            paused = false;
        }

        @Override
        public void close() {
            closed = true;
            threads.forEach(Thread::interrupt);
        }
    }
}
