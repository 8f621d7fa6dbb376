package io.tributary.tools.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import io.tributary.tools.demo.Metrics;

/**
 * Every second: the stage counters, the shared lag histogram per stage, RSS/CPU of each watched process, and the
 * machine's busy CPU time.
 */
final class Sampler implements AutoCloseable {

    static final String LAG = "tributary_pipeline_lag_seconds";
    /** The usage of the whole machine, beside the watched processes: all cores' busy time, RSS 0. */
    static final String MACHINE = "machine";
    /** Stage -> (service, counter). */
    static final Map<String, String[]> COUNTERS = new LinkedHashMap<>();

    static {
        COUNTERS.put("captured", new String[] {"capture-service", "tributary_capture_changes_total"});
        COUNTERS.put("processed", new String[] {"processor-service", "tributary_processor_records_out_total"});
        COUNTERS.put("redis", new String[] {"sink-service", "tributary_sink_redis_writes_total"});
        COUNTERS.put("lake", new String[] {"sink-service", "tributary_sink_rows_written_total"});
    }

    record Tick(long millis, Map<String, Double> counters, Map<String, TreeMap<Double, Double>> lag, Map<String, ProcStats.Usage> usage) {
    }

    private final Map<String, String> urls;
    private final Map<String, Supplier<OptionalLong>> pids = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Supplier<OptionalLong>> trees = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Tick> ticks = new CopyOnWriteArrayList<>();
    private final long start;
    private final Thread thread;
    private volatile boolean running = true;

    Sampler(Map<String, String> urls, Map<String, Path> pidFiles, long start) {
        this.urls = urls;
        this.start = start;
        pidFiles.forEach((name, file) -> pids.put(name, () -> ProcStats.pid(file)));
        thread = Thread.ofPlatform().daemon().name("bench-sampler").start(this::loop);
    }

    /** Also watch a process we started ourselves. */
    void watch(String name, Supplier<OptionalLong> pid) {
        pids.put(name, pid);
    }

    /** Watch a process with its children (their CPU only; see {@link ProcStats#readTree}). */
    void watchTree(String name, Supplier<OptionalLong> pid) {
        trees.put(name, pid);
    }

    void unwatch(String name) {
        pids.remove(name);
    }

    private void loop() {
        long next = System.currentTimeMillis();
        while (running) {
            try {
                ticks.add(sample());
                next += 1000;
                long wait = next - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                } else {
                    next = System.currentTimeMillis();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a failed scrape is a missing second, not a failed benchmark
            }
        }
    }

    Tick sample() {
        long now = System.currentTimeMillis() - start;
        Map<String, List<Metrics.Sample>> scraped = new HashMap<>();
        urls.forEach((name, url) -> scraped.put(name, Metrics.samples(url)));
        Map<String, Double> counters = new LinkedHashMap<>();
        COUNTERS.forEach((stage, where) -> {
            List<Metrics.Sample> s = scraped.get(where[0]);
            counters.put(stage, s == null || s.isEmpty() ? Double.NaN : Metrics.sum(s, where[1]));
        });
        Map<String, TreeMap<Double, Double>> lag = new TreeMap<>();
        for (List<Metrics.Sample> s : scraped.values()) {
            Metrics.buckets(s, LAG, "stage").forEach((stage, buckets) -> lag.merge(stage, buckets, (a, b) -> {
                TreeMap<Double, Double> m = new TreeMap<>(a);
                b.forEach((k, v) -> m.merge(k, v, Double::sum));
                return m;
            }));
        }
        Map<String, ProcStats.Usage> usage = new TreeMap<>();
        pids.forEach((name, pid) -> read(usage, name, pid, ProcStats::read));
        trees.forEach((name, pid) -> read(usage, name, pid, ProcStats::readTree));
        ProcStats.Usage machine = ProcStats.machine();
        if (machine != null) {
            usage.put(MACHINE, machine);
        }
        return new Tick(now, counters, lag, usage);
    }

    /** Puts the usage of the process a pid supplier names, if it runs. */
    private static void read(Map<String, ProcStats.Usage> usage, String name, Supplier<OptionalLong> pid,
            LongFunction<ProcStats.Usage> reader) {
        OptionalLong p = pid.get();
        if (p.isPresent()) {
            ProcStats.Usage u = reader.apply(p.getAsLong());
            if (u != null) {
                usage.put(name, u);
            }
        }
    }

    /** Ticks so far (a snapshot). */
    List<Tick> ticks() {
        return new ArrayList<>(ticks);
    }

    Tick last() {
        return ticks.isEmpty() ? sample() : ticks.get(ticks.size() - 1);
    }

    long now() {
        return System.currentTimeMillis() - start;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
