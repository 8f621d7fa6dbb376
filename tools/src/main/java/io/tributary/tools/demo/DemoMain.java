package io.tributary.tools.demo;

import java.sql.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.tributary.stack.LocalStack;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.S3ProxyServer;
import io.tributary.stack.StackLayout;
import io.tributary.tools.reconcile.ReconcileMain;
import io.tributary.tools.workload.WorkloadGenerator;
import io.tributary.tools.workload.WorkloadMain;

/**
 * {@code ./pipeline demo [--rate N] [--duration 60s]}: brings the stack up, starts the three services as
 * packaged JVM applications, runs the workload while printing each stage's progress every second, waits
 * until the pipeline has drained, prints the reconcile report and where to look. Leaves everything
 * running; {@code ./pipeline down} stops it.
 */
public final class DemoMain {

    /** Shown by the demo only: real deployments take the key from a Secret (PROCESSOR_MASKING_KEY). */
    static final String DEMO_MASKING_KEY = "demo-only-masking-key-not-a-secret";

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        double rate = 100;
        Duration duration = Duration.ofSeconds(60);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--duration" -> duration = WorkloadMain.parseDuration(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i] + "; usage: demo [--rate N] [--duration 60s]");
                    System.exit(2);
                }
            }
        }
        System.exit(run(rate, duration) ? 0 : 1);
    }

    static boolean run(double rate, Duration duration) throws Exception {
        StackLayout layout = StackLayout.discover();
        LocalStack stack = new LocalStack(layout.defaultStateDir(), LocalStack.Ports.fromEnvironment(), layout);
        say("1/5 backing services");
        stack.up(line -> say("    " + line));

        try (Connection pg = stack.postgres().connect()) {
            WorkloadGenerator.createDemoSchema(pg);
        }
        say("2/5 demo tables ready (customers, customer_segments, orders)");

        say("3/5 starting capture-service, processor-service, sink-service (packaged JVM apps)");
        List<QuarkusAppProcess> apps = apps(stack);
        try (ExecutorService starts = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> started = new ArrayList<>();
            for (QuarkusAppProcess app : apps) {
                started.add(starts.submit(() -> {
                    app.start();
                    say(String.format("    %-17s UP at %s (log %s)", app.name(), app.url(), app.logFile()));
                    return null;
                }));
            }
            for (Future<?> f : started) {
                f.get();
            }
        }

        say(String.format("4/5 workload: %s changes/s for %d s; progress every second%n", rate == 0 ? "max" : rate, duration.toSeconds()));
        Progress progress = new Progress(apps.get(0).url(), apps.get(1).url(), apps.get(2).url());
        var settings = new WorkloadGenerator.Settings(rate, duration, 0, 1, System.currentTimeMillis(), WorkloadGenerator.Settings.DEFAULT_MIX);
        CompletableFuture<WorkloadGenerator.Progress> workload = CompletableFuture.supplyAsync(() -> {
            try (Connection pg = stack.postgres().connect()) {
                return new WorkloadGenerator(pg, settings).run(progress::source);
            } catch (Exception e) {
                throw new IllegalStateException("workload failed: " + e.getMessage(), e);
            }
        });
        say(Progress.HEADER);
        while (!workload.isDone()) {
            Thread.sleep(1000);
            say(progress.line());
        }
        WorkloadGenerator.Progress written = workload.join();
        progress.source(written);
        say(String.format("    workload done: %s", WorkloadMain.describe(written)));
        say("    waiting for the pipeline to drain (files roll every 10 s)");
        long quietSince = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String last = "";
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < Duration.ofSeconds(20).toNanos()) {
            Thread.sleep(1000);
            String line = progress.line();
            say(line);
            String counters = progress.counters();
            if (!counters.equals(last)) {
                quietSince = System.nanoTime();
                last = counters;
            }
        }

        say("5/5 reconcile: PostgreSQL vs Redis vs the Parquet lake");
        boolean clean = ReconcileMain.run(ReconcileMain.Endpoints.forStack(stack), ReconcileMain.DEMO, System.out);
        say(clean ? "    result: CLEAN" : "    result: DRIFT (see above)");
        say("");
        say("The pipeline keeps running. Where to look:");
        for (QuarkusAppProcess app : apps) {
            say(String.format("  %-17s %s/q/health  %s/q/metrics  log %s", app.name(), app.url(), app.url(), app.logFile()));
        }
        if (stack.security().isPresent()) {
            var secure = stack.security().get();
            Path secrets = stack.stateDir().resolve("secrets");
            say("  lake     AWS_ACCESS_KEY_ID=" + secure.s3AccessKey() + " AWS_SECRET_ACCESS_KEY=$(cat " + secrets.resolve("s3-tributary")
                    + ") aws --ca-bundle " + secure.caCert() + " --endpoint-url " + stack.s3().endpoint() + " s3 ls --recursive s3://lake/");
            say("  redis    redis-cli --tls --cacert " + secure.caCert() + " -p " + stack.redis().port() + " --user tools --pass $(cat "
                    + secrets.resolve("redis-tools") + ") HGETALL tributary:customer_view:1");
        } else {
            say("  lake     aws --endpoint-url " + stack.s3().endpoint() + " s3 ls --recursive s3://lake/   (key tributary, secret tributary-secret)");
            say("  redis    redis-cli -p " + stack.redis().port() + " --scan --pattern 'tributary:customer_view:*' | head; redis-cli -p "
                    + stack.redis().port() + " HGETALL tributary:customer_view:1");
        }
        say("  kafka    " + stack.kafka().bootstrapServers() + "  topics tributary.public.*, tributary.view.*"
                + (stack.secure() ? "  (SASL_SSL, SCRAM-SHA-512; passwords in " + stack.stateDir().resolve("secrets") + ")" : ""));
        say("  more     ./pipeline load --rate 500 --duration 30s ; ./pipeline reconcile [--every 2m] ; ./pipeline replay --from-ago 5m ;"
                + " ./pipeline down");
        return clean;
    }

    /** The three services, configured for this stack. */
    public static List<QuarkusAppProcess> apps(LocalStack stack) {
        return apps(stack, Map.of());
    }

    /**
     * JVM options of the three services. The serial collector with a 128 MB heap: their live data is 20–30 MB idle,
     * and G1's own structures took another 40 MB. The young generation is fixed at 32 MB with survivor spaces of
     * 5 MB ({@code -Xmn32m -XX:SurvivorRatio=4}, the heap committed at once): a change lives for a few young
     * collections (in Debezium's queue, in a batch waiting for Kafka's acks), and a young generation that grew with
     * the heap from a few MB promoted it, filling the old generation with garbage that only full collections of
     * 160–260 ms freed, while the pages it filled stayed resident. The metaspace threshold is above what any of them
     * loads (55–85 MB), so start-up runs no full collection for it. Freed native memory (the JIT's arenas) is handed
     * back every 5 s. Measured in docs/BENCHMARKS.md ("Memory", "Heap layout"); {@link #OWN_JVM_OPTIONS} differ per
     * service, and {@value #JVM_OPTIONS_ENV} replaces them all (space-separated).
     */
    public static final List<String> SERVICE_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms128m", "-Xmx128m",
            "-Xmn32m", "-XX:SurvivorRatio=4", "-XX:MetaspaceSize=96m",
            "-XX:+UnlockExperimentalVMOptions", "-XX:TrimNativeHeapInterval=5000");
    public static final String JVM_OPTIONS_ENV = "TRIBUTARY_SERVICE_JVM_OPTS";
    /**
     * Per service, options that replace those of {@link #SERVICE_JVM_OPTIONS} with the same flag, or are added.
     * <ul>
     * <li>The capture-service's heap is 112 MB: its live data is 20–30 MB, its old generation is filled (and so
     * resident) between full collections, and at 128 MB it peaked at 303–306 MB of RSS in the bench.
     * <li>The sink runs C1 only ({@code -XX:TieredStopAtLevel=1}), in a 112 MB heap. It loads the most classes
     * (Parquet, Hadoop's API, the AWS SDK: 85 MB of metaspace), and C2 took another 30 MB steady and 50 MB at peak
     * (its compiled code, the profiles of the methods C1 compiled first, its arenas while compiling): 310–320 MB of
     * RSS at a 96 MB heap against 260–265 MB with C1 only. C1's code took about a quarter more CPU in the sink at
     * 5k changes/s than C2's once C2 had compiled everything; C2's compiling itself, in the first minutes after a
     * start, took as much CPU as 25 s of that load.
     * <li>The processor runs C1 only too. On two cores shared with everything else, C2 compiling the processor took
     * 30–45 % of a core through the first half minute of a 5k changes/s load on a fresh stack, and the capture-service
     * fell behind: up to 3.5 s, against 1.5 s with the processor on C1 (which used 40 % less CPU in that load). In the
     * bench the processor peaks 10–30 MB lower, and the 5k changes/s p99 into Redis fell from 0.36–0.66 s to 0.21–0.37 s.
     * <li>The capture-service keeps C2: on C1 alone it captured a quarter less at its maximum rate, and its lead
     * over Debezium Server fell from 2.0–2.4× to 1.4×.
     * </ul>
     */
    static final Map<String, List<String>> OWN_JVM_OPTIONS = Map.of(
            "capture-service", List.of("-Xms112m", "-Xmx112m"),
            "processor-service", List.of("-XX:TieredStopAtLevel=1"),
            "sink-service", List.of("-Xms112m", "-Xmx112m", "-XX:TieredStopAtLevel=1"));

    /** {@link #SERVICE_JVM_OPTIONS}, or those of {@value #JVM_OPTIONS_ENV} when set. */
    public static List<String> serviceJvmOptions() {
        return envJvmOptions().orElse(SERVICE_JVM_OPTIONS);
    }

    /** {@link #serviceJvmOptions()} for one service: {@link #defaultJvmOptions}, unless {@value #JVM_OPTIONS_ENV} is set. */
    public static List<String> serviceJvmOptions(String service) {
        return envJvmOptions().orElseGet(() -> defaultJvmOptions(service));
    }

    /** {@link #SERVICE_JVM_OPTIONS} with the service's {@link #OWN_JVM_OPTIONS}. */
    static List<String> defaultJvmOptions(String service) {
        return withOwn(SERVICE_JVM_OPTIONS, OWN_JVM_OPTIONS.getOrDefault(service, List.of()));
    }

    /** {@code base} with each option of {@code own} in place of the one setting the same flag, or added at the end. */
    static List<String> withOwn(List<String> base, List<String> own) {
        // a LinkedHashMap keeps a replaced key where it was
        Map<String, String> byFlag = new LinkedHashMap<>();
        for (String o : base) {
            byFlag.put(flag(o), o);
        }
        for (String o : own) {
            byFlag.put(flag(o), o);
        }
        return List.copyOf(byFlag.values());
    }

    /** The flag an option sets: {@code -Xmx} of {@code -Xmx112m}, {@code TieredStopAtLevel} of {@code -XX:TieredStopAtLevel=1}. */
    private static String flag(String option) {
        if (option.startsWith("-XX:")) {
            String f = option.substring(4).replaceFirst("^[+-]", "");
            int eq = f.indexOf('=');
            return eq < 0 ? f : f.substring(0, eq);
        }
        return option.startsWith("-Xms") || option.startsWith("-Xmx") || option.startsWith("-Xmn") ? option.substring(0, 4) : option;
    }

    private static Optional<List<String>> envJvmOptions() {
        String env = System.getenv(JVM_OPTIONS_ENV);
        return env == null || env.isBlank() ? Optional.empty() : Optional.of(List.of(env.trim().split("\\s+")));
    }

    /** The three services, configured for this stack, each with the {@code extra} configuration on top. */
    public static List<QuarkusAppProcess> apps(LocalStack stack, Map<String, String> extra) {
        String kafka = stack.kafka().bootstrapServers();
        String registry = stack.registry().url();
        String redis = stack.redis().uri();
        Optional<io.tributary.stack.StackSecurity> security = stack.security();
        QuarkusAppProcess capture = stack.app("capture-service", with(extra, security.map(s -> SecureServices.capture(stack, s)), Map.of(
                "capture.database.host", "127.0.0.1",
                "capture.database.port", Integer.toString(stack.postgres().port()),
                "capture.database.name", stack.postgres().database(),
                "capture.database.user", "postgres",
                "capture.kafka.bootstrap-servers", kafka,
                "capture.registry.url", registry)), serviceJvmOptions("capture-service"));
        QuarkusAppProcess processor = stack.app("processor-service", with(extra, security.map(s -> SecureServices.processor(stack, s)), Map.of(
                "kafka.bootstrap.servers", kafka,
                "quarkus.redis.hosts", redis,
                "apicurio.registry.url", registry,
                "processor.masking.key", DEMO_MASKING_KEY,
                // find the change topics capture creates within seconds, not the default 30 s
                "mp.messaging.incoming.changes.metadata.max.age.ms", "2000")), serviceJvmOptions("processor-service"));
        QuarkusAppProcess sink = stack.app("sink-service", with(extra, security.map(s -> SecureServices.sink(stack, s)), Map.ofEntries(
                Map.entry("kafka.bootstrap.servers", kafka),
                Map.entry("quarkus.redis.hosts", redis),
                Map.entry("apicurio.registry.url", registry),
                Map.entry("quarkus.s3.endpoint-override", stack.s3().endpoint()),
                Map.entry("quarkus.s3.path-style-access", "true"),
                Map.entry("quarkus.s3.aws.region", S3ProxyServer.REGION),
                Map.entry("quarkus.s3.aws.credentials.type", "static"),
                Map.entry("quarkus.s3.aws.credentials.static-provider.access-key-id", S3ProxyServer.ACCESS_KEY),
                Map.entry("quarkus.s3.aws.credentials.static-provider.secret-access-key", S3ProxyServer.SECRET_KEY),
                Map.entry("mp.messaging.incoming.views.metadata.max.age.ms", "2000"),
                Map.entry("sink.roll.max-age", "10s"),
                // open and uploading files within the sink's 112 MB heap (OWN_JVM_OPTIONS): a held row takes 2-3 times its Kafka bytes
                Map.entry("sink.max-buffered-bytes", "8M"))), serviceJvmOptions("sink-service"));
        return List.of(capture, processor, sink);
    }

    /** The plain configuration, then the secure stack's settings over it, then the caller's extra on top. */
    private static Map<String, String> with(Map<String, String> extra, Optional<Map<String, String>> secure,
            Map<String, String> config) {
        Map<String, String> merged = new java.util.HashMap<>(config);
        secure.ifPresent(merged::putAll);
        merged.putAll(extra);
        return merged;
    }

    static void say(String line) {
        System.out.println(line);
    }
}
