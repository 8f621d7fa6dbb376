package io.tributary.tools.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.tributary.stack.LocalStack;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.S3ProxyServer;
import io.tributary.stack.StackLayout;
import io.tributary.tools.demo.DemoMain;
import io.tributary.tools.workload.WorkloadGenerator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * {@code ./pipeline bench [--quick] [--no-peer | --peer-only] [--keep]}: a stack of its own under {@code .tributary/bench/stack} on free ports,
 * the three packaged services, then fixed-rate runs (latency), a max-rate run (throughput per stage), resources,
 * a backlog run (sink stopped, then caught up) and the peer, Debezium Server, alternating with the capture-service.
 * Writes a table to the terminal, {@code .tributary/bench/results-<time>.json}, and the results section of
 * {@code docs/BENCHMARKS.md} with a latency plot.
 */
public final class BenchMain {

    /**
     * Durations: {@code rates[i]} changes/s for {@code fixedSeconds[i]} s; the max-rate run for at most {@code maxSeconds} s and
     * {@code maxChanges} changes.
     */
    record Plan(boolean quick, int warmupSeconds, double warmupRate, double[] rates, int[] fixedSeconds, int maxSeconds, long maxChanges, int drainCap,
            int peerRows, int peerWarmup, int peerRounds) {
        static Plan of(boolean quick) {
            return quick ? new Plan(true, 5, 1000, new double[] {1000, 5000}, new int[] {5, 5}, 8, 40_000, 35, 10_000, 5_000, 1)
                    : new Plan(false, 20, 2000, new double[] {1000, 5000}, new int[] {20, 20}, 15, 150_000, 80, 30_000, 20_000, 2);
        }
    }

    /** The watched PostgreSQL server, its children's CPU included. */
    static final String POSTGRES = "postgres";
    /** This JVM: the workload generator (and the sampler, whose cost counts as idle). */
    static final String GENERATOR = "bench (generator)";
    private static final String PEER_TABLE = "public.customers";
    static final int MAX_RATE_TX_SIZE = 10;
    private static final String OUR_TOPIC = "tributary.public.customers";
    private static final String DBZ_TOPIC = DebeziumServer.PREFIX + ".public.customers";

    private final Plan plan;
    private final boolean peer;
    private final boolean peerOnly;
    private final Path benchDir;
    private final Path docs;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private LocalStack stack;
    private List<QuarkusAppProcess> apps;
    private Sampler sampler;
    private long seed = 1;
    /** CPU seconds per second of each watched process while nothing flows (after the warm-up). */
    private Map<String, Double> idle = Map.of();

    private BenchMain(Plan plan, boolean peer, boolean peerOnly, Path benchDir, Path docs) {
        this.plan = plan;
        this.peer = peer;
        this.peerOnly = peerOnly;
        this.benchDir = benchDir;
        this.docs = docs;
    }

    public static void main(String[] args) throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        boolean quick = false;
        boolean peer = true;
        boolean keep = false;
        boolean peerOnly = false;
        for (String a : args) {
            switch (a) {
                case "--quick" -> quick = true;
                case "--no-peer" -> peer = false;
                case "--peer-only" -> peerOnly = true;
                case "--keep" -> keep = true;
                default -> {
                    System.err.println("unknown option " + a + "; usage: bench [--quick] [--no-peer | --peer-only] [--keep]");
                    System.exit(2);
                }
            }
        }
        if (peerOnly && !peer) {
            System.err.println("--peer-only and --no-peer exclude each other");
            System.exit(2);
        }
        StackLayout layout = StackLayout.discover();
        String home = System.getenv("TRIBUTARY_HOME");
        Path state = home == null || home.isBlank() ? layout.defaultStateDir() : Path.of(home);
        BenchMain bench = new BenchMain(Plan.of(quick), peer, peerOnly, state.resolve("bench"), layout.root().resolve("docs"));
        boolean ok = bench.run(layout, keep);
        System.exit(ok ? 0 : 1);
    }

    boolean run(StackLayout layout, boolean keep) throws Exception {
        if (peer) {
            DebeziumServer.fetch(layout.root());
        }
        long t0 = System.currentTimeMillis();
        Path stackDir = benchDir.resolve("stack");
        if (Files.exists(stackDir)) {
            say("stopping what a previous bench left running and wiping " + stackDir);
            new LocalStack(stackDir, LocalStack.Ports.free(), layout).down(line -> { });
            deleteTree(stackDir);
        }
        results.put("started", Instant.ofEpochMilli(t0).toString());
        results.put("mode", (plan.quick() ? "quick" : "full") + (peerOnly ? ", peer only" : ""));
        results.put("hardware", hardware());
        List<String> jvm = DemoMain.serviceJvmOptions();
        StringBuilder jvmOptions = new StringBuilder(String.join(" ", jvm));
        for (String service : List.of("capture-service", "processor-service", "sink-service")) {
            List<String> own = DemoMain.serviceJvmOptions(service);
            if (!own.equals(jvm)) {
                jvmOptions.append(" (").append(service).append(": ").append(String.join(" ", own)).append(')');
            }
        }
        results.put("service_jvm_options", jvmOptions.toString());
        stack = new LocalStack(stackDir, LocalStack.Ports.free(), layout);
        say("backing services (state " + stackDir + ")");
        stack.up(line -> say("    " + line));
        try (Connection pg = stack.postgres().connect()) {
            WorkloadGenerator.createDemoSchema(pg);
        }
        apps = DemoMain.apps(stack);
        // the peer comparison runs the capture-service alone: the processor and the sink would only be stopped again
        List<QuarkusAppProcess> starting = peerOnly ? apps.subList(0, 1) : apps;
        say("starting " + String.join(", ", starting.stream().map(QuarkusAppProcess::name).toList()));
        try (ExecutorService starts = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> f = new ArrayList<>();
            for (QuarkusAppProcess app : starting) {
                f.add(starts.submit(() -> {
                    app.start();
                    return null;
                }));
            }
            for (Future<?> x : f) {
                x.get();
            }
        }
        Map<String, String> urls = new LinkedHashMap<>();
        Map<String, Path> pidFiles = new LinkedHashMap<>();
        for (QuarkusAppProcess app : apps) {
            urls.put(app.name(), app.url());
            pidFiles.put(app.name(), stack.stateDir().resolve(app.name()).resolve("pid"));
        }
        pidFiles.put("kafka", stack.stateDir().resolve("kafka").resolve("pid"));
        pidFiles.put("redis", stack.stateDir().resolve("redis").resolve("pid"));
        pidFiles.put("s3proxy", stack.stateDir().resolve("s3").resolve("pid"));
        pidFiles.put("registry", stack.stateDir().resolve("registry").resolve("pid"));
        sampler = new Sampler(urls, pidFiles, t0);
        // the source's share: PostgreSQL (backends, WAL sender, background workers) and this JVM, whose work is the generator
        Path postmaster = stack.stateDir().resolve("postgres").resolve("data").resolve("postmaster.pid");
        sampler.watchTree(POSTGRES, () -> ProcStats.pid(postmaster));
        sampler.watch(GENERATOR, () -> OptionalLong.of(ProcessHandle.current().pid()));
        boolean ok = true;
        try {
            if (peerOnly) {
                // the capture-service against Debezium Server, nothing else: a quicker check of the capture path
                results.put("peer", peerRuns());
            } else {
                // warm-up, not measured: the first changes load classes and open topics, and the JIT compiles the paths a
                // load takes (10 s at 100 changes/s left much of that to the measured 1k/s run)
                say(String.format("warm-up: %d s at %.0f changes/s", plan.warmupSeconds(), plan.warmupRate()));
                load(plan.warmupRate(), Duration.ofSeconds(plan.warmupSeconds()), 0, plan.warmupRate() >= 2000 ? MAX_RATE_TX_SIZE : 1);
                drain(sampler.now(), plan.drainCap(), 12);
                // the drain ends after 12 s in which no stage moved: the last 10 s give each process's idle cost
                List<Sampler.Tick> quiet = Stats.window(sampler.ticks(), sampler.now() - 10_000, sampler.now());
                idle = quiet.size() < 2 ? Map.of() : Stats.cpuRates(quiet.get(0), quiet.get(quiet.size() - 1));
                Map<String, Object> idlePct = new LinkedHashMap<>();
                idle.forEach((name, rate) -> idlePct.put(name, Stats.round(100 * rate)));
                results.put("idle_cpu_pct", idlePct);

                List<Object> fixed = new ArrayList<>();
                for (int i = 0; i < plan.rates().length; i++) {
                    fixed.add(fixedRun(plan.rates()[i], plan.fixedSeconds()[i]));
                }
                results.put("fixed_rate", fixed);
                Map<String, Object> max = maxRun();
                results.put("max_rate", max);
                results.put("storage", storage());
                results.put("backlog", backlog(max));
                results.put("resources", resources(max));
                if (peer) {
                    results.put("peer", peerRuns());
                }
            }
        } catch (Exception e) {
            ok = false;
            results.put("error", String.valueOf(e));
            System.err.println("bench failed: " + e);
            e.printStackTrace();
        } finally {
            sampler.close();
            results.put("duration_s", (System.currentTimeMillis() - t0) / 1000);
            if (!keep) {
                say("stopping the bench stack");
                try {
                    stack.down(line -> { });
                } catch (RuntimeException e) {
                    System.err.println("stopping: " + e.getMessage());
                }
            }
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.ofEpochMilli(t0));
        Path json = benchDir.resolve("results-" + stamp + ".json");
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(json, mapper.writeValueAsString(results));
        String table = Report.table(results);
        System.out.println();
        System.out.println(table);
        say("JSON: " + json);
        if (ok && !peerOnly) {
            Report.writeDocs(docs.resolve("BENCHMARKS.md"), results, mapper.writeValueAsString(results), json.getFileName().toString());
            say("docs: " + docs.resolve("BENCHMARKS.md"));
        }
        return ok;
    }

    // --- phases -------------------------------------------------------------------------------------

    private Map<String, Object> fixedRun(double rate, int seconds) throws Exception {
        say(String.format("fixed-rate run: %.0f changes/s for %d s", rate, seconds));
        Sampler.Tick start = sampler.sample();
        long from = sampler.now();
        // past ~2k commits/s one connection falls short of the rate: commit every MAX_RATE_TX_SIZE changes there
        int txSize = rate >= 2000 ? MAX_RATE_TX_SIZE : 1;
        WorkloadGenerator.Progress written = load(rate, Duration.ofSeconds(seconds), 0, txSize);
        long loadEnd = sampler.now();
        Map<String, Object> drain = drain(loadEnd, plan.drainCap(), 12);
        Sampler.Tick end = sampler.sample();
        List<Sampler.Tick> ticks = Stats.window(sampler.ticks(), from, sampler.now());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("target_rate", rate);
        r.put("seconds", seconds);
        r.put("changes_per_transaction", txSize);
        r.put("written", written.changes());
        r.put("achieved_write_rate", Stats.round(written.ratePerSecond()));
        Map<String, Object> rates = new LinkedHashMap<>();
        List<Sampler.Tick> loadTicks = Stats.window(ticks, from + 3000, loadEnd);
        for (String stage : Sampler.COUNTERS.keySet()) {
            rates.put(stage, Stats.round(Stats.median(Stats.rates(loadTicks, stage))));
        }
        r.put("median_rate_during_load", rates);
        r.put("machine_busy_pct_during_load", Stats.machineBusyPct(loadTicks, Runtime.getRuntime().availableProcessors()));
        r.put("drain", drain);
        @SuppressWarnings("unchecked")
        Map<String, Double> drainSeconds = (Map<String, Double>) drain.get("seconds_after_load");
        double redisDrain = drainSeconds.getOrDefault("redis", Double.NaN);
        boolean sustained = written.ratePerSecond() >= 0.95 * rate && Boolean.TRUE.equals(drain.get("drained")) && redisDrain <= 5;
        r.put("sustained", sustained);
        r.put("latency", Stats.latency(start, end));
        r.put("cpu_ms_per_change", Stats.cpuPerChange(start, end, written.changes(), idle));
        String name = String.format("bench-latency-%.0f.png", rate);
        List<Plot.Series> series = List.of(
                new Plot.Series("captured p99", Stats.latencySeries(ticks, "captured", 0.99, from)),
                new Plot.Series("Redis p50", Stats.latencySeries(ticks, "redis", 0.50, from)),
                new Plot.Series("Redis p99", Stats.latencySeries(ticks, "redis", 0.99, from)),
                new Plot.Series("lake p99", Stats.latencySeries(ticks, "lake", 0.99, from)));
        Files.createDirectories(docs);
        Plot.write(docs.resolve(name), String.format("commit -> stage latency, %.0f changes/s for %d s (then drain)", rate, seconds),
                "seconds since the run started", "lag (log scale)", series);
        r.put("plot", "docs/" + name);
        say(String.format("    written %,d (%.0f/s); sustained: %s; redis p99 %s ms; lake p99 %s ms", written.changes(), written.ratePerSecond(),
                sustained, ((Map<?, ?>) ((Map<?, ?>) r.get("latency")).get("redis")).get("p99_ms"),
                ((Map<?, ?>) ((Map<?, ?>) r.get("latency")).get("lake")).get("p99_ms")));
        return r;
    }

    private Map<String, Object> maxRun() throws Exception {
        int seconds = plan.maxSeconds();
        say("max-rate run: workload as fast as possible for " + seconds + " s, at most " + plan.maxChanges() + " changes");
        long from = sampler.now();
        Sampler.Tick start = sampler.sample();
        // one change per transaction caps one connection at ~5k commits/s here, below what the pipeline takes:
        // the max-rate run commits every MAX_RATE_TX_SIZE changes (still one row change each)
        WorkloadGenerator.Progress written = load(0, Duration.ofSeconds(seconds), plan.maxChanges(), MAX_RATE_TX_SIZE);
        long loadEnd = sampler.now();
        Map<String, Object> drain = drain(loadEnd, plan.drainCap(), 12);
        Sampler.Tick end = sampler.sample();
        List<Sampler.Tick> all = Stats.window(sampler.ticks(), from, sampler.now());
        List<Sampler.Tick> loadTicks = Stats.window(all, from + 3000, loadEnd);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seconds", seconds);
        r.put("changes_per_transaction", MAX_RATE_TX_SIZE);
        r.put("written", written.changes());
        r.put("write_rate", Stats.round(written.ratePerSecond()));
        Map<String, Object> stages = new LinkedHashMap<>();
        for (String stage : Sampler.COUNTERS.keySet()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("median_rate_during_load", Stats.round(Stats.median(Stats.rates(loadTicks, stage))));
            s.put("median_rate_while_busy", Stats.round(Stats.busyMedian(all, stage)));
            s.put("busy_rate", Stats.round(Stats.busyRate(all, stage)));
            double c0 = start.counters().getOrDefault(stage, Double.NaN);
            double c1 = end.counters().getOrDefault(stage, Double.NaN);
            s.put("count", (long) (c1 - c0));
            stages.put(stage, s);
        }
        r.put("stages", stages);
        r.put("drain", drain);
        r.put("latency", Stats.latency(start, end));
        r.put("cpu_ms_per_change", Stats.cpuPerChange(start, end, written.changes(), idle));
        r.put("machine_busy_pct_during_load", Stats.machineBusyPct(loadTicks, Runtime.getRuntime().availableProcessors()));
        // steady RSS: the whole max-rate run, load and drain (the later stages work on during the drain); steady CPU:
        // the load after its first 3 s, as the rates (over the drain a stage done early would show its idle CPU)
        r.put("window_ms", List.of(from, end.millis()));
        r.put("load_window_ms", List.of(from + 3000, loadEnd));
        say(String.format("    written %,d (%.0f/s); %s", written.changes(), written.ratePerSecond(), stages));
        return r;
    }

    private Map<String, Object> storage() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        try (KafkaStats kafka = new KafkaStats(stack.kafka().bootstrapServers())) {
            var changes = kafka.usage(t -> t.startsWith("tributary.public."));
            var views = kafka.usage(t -> t.startsWith("tributary.view."));
            r.put("kafka_change_topics", Map.of("bytes", changes.bytes(), "records", changes.records(),
                    "bytes_per_record", Stats.round(changes.bytesPerRecord())));
            r.put("kafka_view_topics", Map.of("bytes", views.bytes(), "records", views.records(),
                    "bytes_per_record", Stats.round(views.bytesPerRecord())));
            r.put("kafka_bytes_per_change", Stats.round(changes.records() == 0 ? Double.NaN
                    : (double) (changes.bytes() + views.bytes()) / changes.records()));
        }
        long objects = 0;
        long bytes = 0;
        try (S3Client s3 = s3()) {
            for (var page : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(LocalStack.BUCKET).build())) {
                for (var o : page.contents()) {
                    objects++;
                    bytes += o.size();
                }
            }
        }
        double rows = sampler.sample().counters().getOrDefault("lake", Double.NaN);
        r.put("parquet", Map.of("objects", objects, "bytes", bytes, "rows", (long) rows, "bytes_per_row", Stats.round(bytes / rows)));
        say("    storage: " + r);
        return r;
    }

    private Map<String, Object> backlog(Map<String, Object> max) throws Exception {
        @SuppressWarnings("unchecked")
        var stages = (Map<String, Map<String, Object>>) max.get("stages");
        double sinkRate = ((Number) stages.get("redis").get("busy_rate")).doubleValue();
        if (Double.isNaN(sinkRate) || sinkRate <= 0) {
            sinkRate = 300;
        }
        long n = Math.max(1000, Math.min(60_000, Math.round(10 * sinkRate)));
        QuarkusAppProcess sink = apps.get(2);
        say(String.format("backlog run: sink stopped, %,d changes written (10 x its %.0f/s), then the sink started", n, sinkRate));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("sink_rate_used", Stats.round(sinkRate));
        r.put("changes", n);
        sink.stop();
        double p0 = sampler.sample().counters().get("processed");
        load(0, Duration.ZERO, n, MAX_RATE_TX_SIZE);
        long tLoaded = sampler.now();
        drain(tLoaded, plan.drainCap() * 2, 5);
        double p1 = sampler.sample().counters().get("processed");
        long expected = (long) (p1 - p0);
        r.put("view_records_waiting", expected);
        long tStart = sampler.now();
        sink.start();
        long tReady = sampler.now();
        long tRedis = -1;
        long tLake = -1;
        long deadline = tStart + Duration.ofMinutes(plan.quick() ? 2 : 3).toMillis();
        while (sampler.now() < deadline && (tRedis < 0 || tLake < 0)) {
            Thread.sleep(250);
            Sampler.Tick t = sampler.sample();
            if (tRedis < 0 && t.counters().getOrDefault("redis", 0.0) >= expected) {
                tRedis = sampler.now();
            }
            if (tLake < 0 && t.counters().getOrDefault("lake", 0.0) >= expected) {
                tLake = sampler.now();
            }
        }
        Thread.sleep(2000);
        r.put("sink_start_to_ready_s", (tReady - tStart) / 1000.0);
        r.put("redis_caught_up_s_after_start", tRedis < 0 ? null : (tRedis - tStart) / 1000.0);
        r.put("lake_caught_up_s_after_start", tLake < 0 ? null : (tLake - tStart) / 1000.0);
        r.put("redis_catch_up_rate", tRedis < 0 ? null : Stats.round(expected / Math.max(0.001, (tRedis - tReady) / 1000.0)));
        long peak = Stats.window(sampler.ticks(), tStart, sampler.now()).stream()
                .map(t -> t.usage().get(sink.name())).filter(u -> u != null).mapToLong(ProcStats.Usage::rssBytes).max().orElse(0);
        r.put("sink_peak_rss_mb_during_catch_up", peak / 1048576);
        say("    " + r);
        drain(sampler.now(), plan.drainCap(), 12);
        return r;
    }

    private Map<String, Object> resources(Map<String, Object> max) {
        @SuppressWarnings("unchecked")
        List<Long> window = (List<Long>) max.get("window_ms");
        @SuppressWarnings("unchecked")
        List<Long> loadWindow = (List<Long>) max.get("load_window_ms");
        List<Sampler.Tick> all = sampler.ticks();
        List<Sampler.Tick> steady = Stats.window(all, window.get(0), window.get(1));
        List<Sampler.Tick> loaded = Stats.window(all, loadWindow.get(0), loadWindow.get(1));
        if (loaded.size() < 3) {
            loaded = steady; // a load too short for a median (--quick): the whole run
        }
        Map<String, Object> r = new LinkedHashMap<>();
        for (String name : List.of("capture-service", "processor-service", "sink-service", "kafka")) {
            List<Double> rss = all.stream().map(t -> t.usage().get(name)).filter(u -> u != null).map(u -> u.rssBytes() / 1048576.0).toList();
            List<Double> steadyRss = steady.stream().map(t -> t.usage().get(name)).filter(u -> u != null).map(u -> u.rssBytes() / 1048576.0).toList();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peak_rss_mb", Stats.round(rss.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)));
            m.put("steady_rss_mb", Stats.round(Stats.median(steadyRss)));
            m.put("steady_cpu_pct", Stats.round(Stats.median(cpu(loaded, name))));
            m.put("peak_cpu_pct", Stats.round(cpu(all, name).stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)));
            ProcStats.Usage last = all.isEmpty() ? null : all.get(all.size() - 1).usage().get(name);
            m.put("cpu_seconds_total", last == null ? null : Stats.round(last.cpuSeconds()));
            r.put(name, m);
        }
        return r;
    }

    private static List<Double> cpu(List<Sampler.Tick> ticks, String name) {
        List<Double> out = new ArrayList<>();
        for (int i = 1; i < ticks.size(); i++) {
            ProcStats.Usage a = ticks.get(i - 1).usage().get(name);
            ProcStats.Usage b = ticks.get(i).usage().get(name);
            double dt = (ticks.get(i).millis() - ticks.get(i - 1).millis()) / 1000.0;
            if (a != null && b != null && b.cpuSeconds() >= a.cpuSeconds() && dt > 0) {
                out.add(100 * (b.cpuSeconds() - a.cpuSeconds()) / dt);
            }
        }
        return out;
    }

    // --- the peer -----------------------------------------------------------------------------------

    private Map<String, Object> peerRuns() throws Exception {
        say("peer: Debezium Server " + DebeziumServer.VERSION + " vs capture-service on " + PEER_TABLE
                + " (processor and sink stopped, so only the capturer runs)");
        apps.get(1).stop();
        apps.get(2).stop();
        QuarkusAppProcess capture = apps.get(0);
        DebeziumServer dbz = new DebeziumServer(benchDir);
        dbz.install();
        dbz.configure(stack.kafka().bootstrapServers(), stack.postgres().port(), stack.postgres().database(), PEER_TABLE, freePort());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows_per_run", plan.peerRows());
        r.put("debezium_warmup_rows", plan.peerWarmup());
        r.put("debezium_heap", "-Xmx512m");
        List<Object> rounds = new ArrayList<>();
        List<Double> ours = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        try (KafkaStats kafka = new KafkaStats(stack.kafka().bootstrapServers()); Connection pg = stack.postgres().connect()) {
            for (int round = 1; round <= plan.peerRounds(); round++) {
                Map<String, Object> one = new LinkedHashMap<>();
                if (!capture.isRunning()) {
                    capture.start();
                }
                waitQuiet(kafka, OUR_TOPIC, 4000, Duration.ofMinutes(2));
                Path capturePid = stack.stateDir().resolve(capture.name()).resolve("pid");
                // the same warm-up as Debezium Server gets (JIT, topic metadata, schema ids)
                timeToKafka(kafka, pg, OUR_TOPIC, plan.peerWarmup(), () -> ProcStats.pid(capturePid));
                Sampler.Tick before = sampler.sample();
                Map<String, Object> c = timeToKafka(kafka, pg, OUR_TOPIC, plan.peerRows(), () -> ProcStats.pid(capturePid));
                Sampler.Tick after = sampler.sample();
                var lat = Stats.latency(before, after).get("captured");
                c.put("latency_to_kafka_ack_ms", lat);
                ours.add((Double) c.get("rows_per_s_10_90"));
                one.put("capture_service", c);
                capture.stop();

                dbz.reset(pg);
                long s0 = System.nanoTime();
                dbz.start(pg, "-Xmx512m", Duration.ofMinutes(2));
                sampler.watch("debezium-server", dbz::pid);
                try {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("start_to_streaming_s", Stats.round((System.nanoTime() - s0) / 1e9));
                    timeToKafka(kafka, pg, DBZ_TOPIC, plan.peerWarmup(), dbz::pid);
                    Map<String, Object> m = timeToKafka(kafka, pg, DBZ_TOPIC, plan.peerRows(), dbz::pid);
                    d.putAll(m);
                    @SuppressWarnings("unchecked")
                    Map<TopicPartition, Long> base = (Map<TopicPartition, Long>) m.remove("base");
                    d.remove("base");
                    d.put("latency_to_kafka_record_ms", debeziumLatency(base, plan.peerRows()));
                    long peak = sampler.ticks().stream().map(t -> t.usage().get("debezium-server")).filter(u -> u != null)
                            .mapToLong(ProcStats.Usage::rssBytes).max().orElse(0);
                    d.put("peak_rss_mb", peak / 1048576);
                    theirs.add((Double) d.get("rows_per_s_10_90"));
                    one.put("debezium_server", d);
                } finally {
                    sampler.unwatch("debezium-server");
                    dbz.stop();
                }
                ((Map<?, ?>) one.get("capture_service")).remove("base");
                rounds.add(one);
                say("    round " + round + ": " + one);
            }
            capture.start();
            var usage = kafka.usage(t -> t.equals(DBZ_TOPIC));
            r.put("debezium_topic_bytes_per_record", Stats.round(usage.bytesPerRecord()));
            var ourUsage = kafka.usage(t -> t.equals(OUR_TOPIC));
            r.put("capture_topic_bytes_per_record", Stats.round(ourUsage.bytesPerRecord()));
        }
        r.put("rounds", rounds);
        double o = Stats.median(ours);
        double t = Stats.median(theirs);
        r.put("capture_service_rows_per_s", Stats.round(o));
        r.put("debezium_server_rows_per_s", Stats.round(t));
        r.put("ratio_capture_over_debezium", Math.round(o / t * 100) / 100.0);
        return r;
    }

    /** Inserts {@code rows} rows into the peer table in transactions of 1000 and times them into {@code topic}. */
    private Map<String, Object> timeToKafka(KafkaStats kafka, Connection pg, String topic, int rows, java.util.function.Supplier<OptionalLong> pid)
            throws Exception {
        ProcStats.Usage u0 = pid.get().isPresent() ? ProcStats.read(pid.get().getAsLong()) : null;
        List<TopicPartition> parts = kafka.partitions(t -> t.equals(topic));
        Map<TopicPartition, Long> base = kafka.endOffsets(parts);
        long base0 = base.values().stream().mapToLong(Long::longValue).sum();
        long t0 = System.nanoTime();
        boolean auto = pg.getAutoCommit();
        pg.setAutoCommit(false);
        try (Statement st = pg.createStatement()) {
            for (int done = 0; done < rows; done += 1000) {
                int n = Math.min(1000, rows - done);
                st.executeUpdate("INSERT INTO customers (name, email, phone, segment_id) SELECT 'Bench ' || g, 'bench' || g || '@example.com',"
                        + " '+1-555-' || lpad(g::text, 7, '0'), 1 + g % 5 FROM generate_series(1, " + n + ") g");
                pg.commit();
            }
        } finally {
            pg.setAutoCommit(auto);
        }
        double insertSeconds = (System.nanoTime() - t0) / 1e9;
        long deadline = t0 + Duration.ofMinutes(3).toNanos();
        double t10 = Double.NaN;
        double t90 = Double.NaN;
        double tDone = Double.NaN;
        while (System.nanoTime() < deadline) {
            if (parts.isEmpty()) {
                parts = kafka.partitions(t -> t.equals(topic));
                base0 = 0; // the topic is new: every record is ours
                base = new LinkedHashMap<>();
                for (TopicPartition tp : parts) {
                    base.put(tp, 0L);
                }
            }
            long got = parts.isEmpty() ? 0 : kafka.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum() - base0;
            double now = (System.nanoTime() - t0) / 1e9;
            if (Double.isNaN(t10) && got >= rows * 0.1) {
                t10 = now;
            }
            if (Double.isNaN(t90) && got >= rows * 0.9) {
                t90 = now;
            }
            if (got >= rows) {
                tDone = now;
                break;
            }
            Thread.sleep(50);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", rows);
        r.put("insert_s", Math.round(insertSeconds * 100) / 100.0);
        r.put("all_in_kafka_s", Double.isNaN(tDone) ? null : Math.round(tDone * 100) / 100.0);
        r.put("rows_per_s", Double.isNaN(tDone) ? Double.NaN : Stats.round(rows / tDone));
        r.put("rows_per_s_10_90", Double.isNaN(t90) ? Double.NaN : Stats.round(rows * 0.8 / (t90 - t10)));
        ProcStats.Usage u1 = pid.get().isPresent() ? ProcStats.read(pid.get().getAsLong()) : null;
        if (u0 != null && u1 != null) {
            r.put("cpu_s", Stats.round(u1.cpuSeconds() - u0.cpuSeconds()));
            r.put("cpu_ms_per_1000_rows", Stats.round(1000 * (u1.cpuSeconds() - u0.cpuSeconds()) * 1000 / rows));
            r.put("rss_mb_after", u1.rssBytes() / 1048576);
        }
        r.put("base", base);
        return r;
    }

    /** Record timestamp minus the commit time in the event (source.ts_ms), for every 10th of the run's records. */
    private Map<String, Object> debeziumLatency(Map<TopicPartition, Long> base, int rows) {
        List<Double> lat = new ArrayList<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        ObjectMapper json = new ObjectMapper();
        long seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(base.keySet());
            base.forEach(consumer::seek);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen < rows && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                    if (seen++ % 10 != 0 || rec.value() == null) {
                        continue;
                    }
                    try {
                        JsonNode node = json.readTree(rec.value());
                        JsonNode payload = node.has("payload") ? node.get("payload") : node;
                        long ts = payload.path("source").path("ts_ms").asLong(0);
                        if (ts > 0) {
                            lat.add((double) (rec.timestamp() - ts));
                        }
                    } catch (IOException e) {
                        // not JSON: skip
                    }
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampled", lat.size());
        m.put("p50_ms", Stats.percentile(lat, 0.5));
        m.put("p95_ms", Stats.percentile(lat, 0.95));
        m.put("p99_ms", Stats.percentile(lat, 0.99));
        return m;
    }

    private void waitQuiet(KafkaStats kafka, String topic, long quietMillis, Duration cap) throws Exception {
        long deadline = System.currentTimeMillis() + cap.toMillis();
        long last = -1;
        long since = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            long n = kafka.records(t -> t.equals(topic));
            if (n != last) {
                last = n;
                since = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - since >= quietMillis) {
                return;
            }
            Thread.sleep(500);
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    private WorkloadGenerator.Progress load(double rate, Duration duration, long changes) throws Exception {
        return load(rate, duration, changes, 1);
    }

    private WorkloadGenerator.Progress load(double rate, Duration duration, long changes, int transactionSize) throws Exception {
        var settings = new WorkloadGenerator.Settings(rate, duration, changes, transactionSize, seed++, WorkloadGenerator.Settings.DEFAULT_MIX);
        try (Connection pg = stack.postgres().connect()) {
            return new WorkloadGenerator(pg, settings).run(p -> { });
        }
    }

    /**
     * Waits until no stage counter moved for {@code quietSeconds} (or {@code capSeconds} passed) and reports, per stage,
     * how long after {@code loadEnd} its counter last moved.
     */
    private Map<String, Object> drain(long loadEnd, int capSeconds, int quietSeconds) throws InterruptedException {
        Map<String, Double> last = new LinkedHashMap<>();
        Map<String, Long> moved = new LinkedHashMap<>();
        long quietSince = sampler.now();
        long deadline = loadEnd + capSeconds * 1000L;
        boolean drained = false;
        while (sampler.now() < deadline) {
            Thread.sleep(1000);
            Sampler.Tick t = sampler.last();
            boolean any = false;
            for (var e : t.counters().entrySet()) {
                Double before = last.put(e.getKey(), e.getValue());
                if (before == null || !before.equals(e.getValue())) {
                    if (before != null) {
                        moved.put(e.getKey(), t.millis());
                    }
                    any = true;
                }
            }
            if (any) {
                quietSince = sampler.now();
            } else if (sampler.now() - quietSince >= quietSeconds * 1000L) {
                drained = true;
                break;
            }
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String stage : Sampler.COUNTERS.keySet()) {
            Long m = moved.get(stage);
            seconds.put(stage, m == null ? 0.0 : Math.max(0, (m - loadEnd) / 1000.0));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("drained", drained);
        r.put("cap_s", capSeconds);
        r.put("seconds_after_load", seconds);
        if (!drained) {
            say("    not drained within " + capSeconds + " s after the load: " + sampler.last().counters());
        }
        return r;
    }

    private S3Client s3() {
        return S3Client.builder().endpointOverride(URI.create(stack.s3().endpoint())).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY,
                        S3ProxyServer.SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Map<String, Object> hardware() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("cpus", Runtime.getRuntime().availableProcessors());
        h.put("cpu_model", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        h.put("ram_gb", mem == null ? null : Math.round(Long.parseLong(mem.replace("kB", "").strip()) / 1048576.0 * 10) / 10.0);
        h.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        h.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        return h;
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return null;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void say(String line) {
        System.out.println("[bench] " + line);
    }
}
