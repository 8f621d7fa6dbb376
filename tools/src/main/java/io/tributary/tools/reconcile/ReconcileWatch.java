package io.tributary.tools.reconcile;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Reconcile as a service, so drift can be alerted on: runs the check every interval and serves the outcome
 * as Prometheus metrics ({@code GET /metrics}) and as the readable report ({@code GET /reconcile}, 200 when
 * clean, 409 on persistent drift, 503 before the first run or when a run failed).
 * <p>
 * A pipeline in flight always differs from its source for a moment, so a key counts as <em>persistent</em>
 * drift only when it differs in two runs in a row, one interval apart; alert on that gauge, not on the raw one.
 */
public final class ReconcileWatch implements AutoCloseable {

    /** The outcome of one run. */
    record Snapshot(Instant at, List<ReconcileMain.PairReport> reports, Map<String, Set<String>> persistent, String error) {
    }

    private final ReconcileMain.Endpoints endpoints;
    private final List<ReconcileMain.Pair> pairs;
    private final AtomicReference<Snapshot> last = new AtomicReference<>();
    private final Map<String, Set<String>> previousDrift = new HashMap<>();
    private final HttpServer server;
    private long runs;
    private long failures;

    public ReconcileWatch(ReconcileMain.Endpoints endpoints, List<ReconcileMain.Pair> pairs, String host, int port) throws IOException {
        this.endpoints = endpoints;
        this.pairs = List.copyOf(pairs);
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/metrics", exchange -> reply(exchange, 200, "text/plain; version=0.0.4", metrics()));
        server.createContext("/reconcile", this::report);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Runs one reconcile now; keeps its outcome for the endpoints. */
    public synchronized Snapshot runOnce() {
        runs++;
        try {
            List<ReconcileMain.PairReport> reports = ReconcileMain.check(endpoints, pairs);
            Map<String, Set<String>> persistent = new HashMap<>();
            for (ReconcileMain.PairReport report : reports) {
                for (Reconciler.SideReport side : List.of(report.redis(), report.lake())) {
                    String id = report.pair().table() + "/" + side.side();
                    Set<String> now = side.driftedKeys();
                    Set<String> both = new HashSet<>(now);
                    both.retainAll(previousDrift.getOrDefault(id, Set.of()));
                    persistent.put(id, both);
                    previousDrift.put(id, now);
                }
            }
            Snapshot snapshot = new Snapshot(Instant.now(), reports, persistent, null);
            last.set(snapshot);
            return snapshot;
        } catch (Exception e) {
            failures++;
            Snapshot failed = new Snapshot(Instant.now(), last.get() == null ? List.of() : last.get().reports(),
                    last.get() == null ? Map.of() : last.get().persistent(), e.getClass().getSimpleName() + ": " + e.getMessage());
            last.set(failed);
            return failed;
        }
    }

    /** Runs every {@code interval} until interrupted. */
    public void loop(Duration interval, java.io.PrintStream out) throws InterruptedException {
        while (!Thread.currentThread().isInterrupted()) {
            Snapshot snapshot = runOnce();
            out.printf("%s reconcile: %s%n", snapshot.at(), snapshot.error() != null ? "FAILED " + snapshot.error() : summary(snapshot));
            Thread.sleep(interval.toMillis());
        }
    }

    private static String summary(Snapshot snapshot) {
        StringBuilder out = new StringBuilder();
        for (ReconcileMain.PairReport report : snapshot.reports()) {
            String table = report.pair().table();
            out.append(String.format("%s redis %d (persistent %d) lake %d (persistent %d); ", table, report.drift("redis"),
                    snapshot.persistent().getOrDefault(table + "/redis", Set.of()).size(), report.drift("lake"),
                    snapshot.persistent().getOrDefault(table + "/lake", Set.of()).size()));
        }
        return out.toString().strip();
    }

    synchronized String metrics() {
        Snapshot snapshot = last.get();
        StringBuilder out = new StringBuilder();
        out.append("# HELP tributary_reconcile_runs_total Reconcile runs started\n# TYPE tributary_reconcile_runs_total counter\n")
                .append("tributary_reconcile_runs_total ").append(runs).append('\n');
        out.append("# HELP tributary_reconcile_failures_total Reconcile runs that could not read a side\n")
                .append("# TYPE tributary_reconcile_failures_total counter\n")
                .append("tributary_reconcile_failures_total ").append(failures).append('\n');
        if (snapshot == null) {
            return out.toString();
        }
        out.append("# HELP tributary_reconcile_last_run_timestamp_seconds When the last reconcile run ended\n")
                .append("# TYPE tributary_reconcile_last_run_timestamp_seconds gauge\n")
                .append("tributary_reconcile_last_run_timestamp_seconds ").append(snapshot.at().getEpochSecond()).append('\n');
        out.append("# HELP tributary_reconcile_source_rows Rows of the source table in PostgreSQL\n")
                .append("# TYPE tributary_reconcile_source_rows gauge\n");
        for (ReconcileMain.PairReport report : snapshot.reports()) {
            out.append(String.format("tributary_reconcile_source_rows{table=\"%s\",view=\"%s\"} %d%n", report.pair().table(),
                    report.pair().view(), report.redis().sourceRows()));
        }
        out.append("# HELP tributary_reconcile_drift_keys Keys missing, extra or different on a side in the last run (in-flight changes included)\n")
                .append("# TYPE tributary_reconcile_drift_keys gauge\n");
        for (ReconcileMain.PairReport report : snapshot.reports()) {
            for (String side : List.of("redis", "lake")) {
                out.append(String.format("tributary_reconcile_drift_keys{table=\"%s\",view=\"%s\",side=\"%s\"} %d%n", report.pair().table(),
                        report.pair().view(), side, report.drift(side)));
            }
        }
        out.append("# HELP tributary_reconcile_persistent_drift_keys Keys that differed in the last two runs in a row: alert on this\n")
                .append("# TYPE tributary_reconcile_persistent_drift_keys gauge\n");
        for (ReconcileMain.PairReport report : snapshot.reports()) {
            for (String side : List.of("redis", "lake")) {
                out.append(String.format("tributary_reconcile_persistent_drift_keys{table=\"%s\",view=\"%s\",side=\"%s\"} %d%n",
                        report.pair().table(), report.pair().view(), side,
                        snapshot.persistent().getOrDefault(report.pair().table() + "/" + side, Set.of()).size()));
            }
        }
        out.append("# HELP tributary_reconcile_lake_duplicate_changes Changes the lake holds more than once by event id\n")
                .append("# TYPE tributary_reconcile_lake_duplicate_changes gauge\n");
        for (ReconcileMain.PairReport report : snapshot.reports()) {
            out.append(String.format("tributary_reconcile_lake_duplicate_changes{table=\"%s\",view=\"%s\"} %d%n", report.pair().table(),
                    report.pair().view(), report.history().duplicateChanges()));
        }
        return out.toString();
    }

    private void report(HttpExchange exchange) throws IOException {
        Snapshot snapshot = last.get();
        if (snapshot == null) {
            reply(exchange, 503, "text/plain", "no reconcile run yet\n");
            return;
        }
        StringBuilder body = new StringBuilder("reconcile at " + snapshot.at() + "\n");
        if (snapshot.error() != null) {
            body.append("last run FAILED: ").append(snapshot.error()).append('\n');
        }
        boolean persistent = false;
        for (ReconcileMain.PairReport report : snapshot.reports()) {
            body.append(report.describe());
            for (String side : List.of("redis", "lake")) {
                Set<String> keys = snapshot.persistent().getOrDefault(report.pair().table() + "/" + side, Set.of());
                if (!keys.isEmpty()) {
                    persistent = true;
                    body.append(String.format("  persistent drift in %s (%d): %s%n", side, keys.size(),
                            String.join(", ", keys.stream().limit(20).toList())));
                }
            }
            persistent |= report.history().duplicateChanges() > 0;
        }
        reply(exchange, snapshot.error() != null ? 503 : persistent ? 409 : 200, "text/plain", body.toString());
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
