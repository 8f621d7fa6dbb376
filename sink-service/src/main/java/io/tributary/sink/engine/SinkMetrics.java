package io.tributary.sink.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The sink's meters (Prometheus names in the README), and the pipeline's shared end-to-end lag at stages
 * {@code redis} (the change is applied to Redis) and {@code lake} (the Parquet object holding it is uploaded):
 * {@code tributary_pipeline_lag_seconds{stage,table}} (histogram) and {@code tributary_pipeline_lag_latest_seconds{stage,table}}.
 * The {@code table} tag is the view's table, as in every sink meter. A table's meters are made at zero with its
 * first record, the failure counters when the engine is bound.
 */
public final class SinkMetrics {

    /** The shared end-to-end lag (now minus the source commit time), in every service, tags {@code stage} and {@code table}. */
    public static final String LAG = "tributary.pipeline.lag";
    /** The lag of the latest change at a stage, tags {@code stage} and {@code table}. */
    public static final String LAG_LATEST = "tributary.pipeline.lag.latest";
    /** Stage: the change is applied to Redis. */
    public static final String STAGE_REDIS = "redis";
    /** Stage: the Parquet object holding the change is uploaded. */
    public static final String STAGE_LAKE = "lake";

    private final MeterRegistry registry;
    private final Timer uploadLatency;
    private final Map<String, TableMeters> tables = new ConcurrentHashMap<>();
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();

    /** The lag of one stage of one table. */
    private record Lag(Timer timer, AtomicLong latestMs) {
    }

    /** The meters of one table. */
    private record TableMeters(Counter rowsWritten, Counter filesUploaded, Counter bytesUploaded, Map<String, Counter> redisWrites,
            Counter alreadyInLake, Counter duplicatesDropped, Lag redisLag, Lag lakeLag) {
    }

    public SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.uploadLatency = Timer.builder("tributary.sink.upload.latency")
                .description("time of one successful upload of a Parquet file").publishPercentileHistogram().register(registry);
    }

    /** Gauges read from the engine and the status; the failure counters of S3 and Redis, at zero. */
    public void bind(Supplier<Number> openBuffers, Supplier<Number> bufferedBytes, SinkStatus status) {
        Gauge.builder("tributary.sink.open.buffers", openBuffers).description("files open in memory").register(registry);
        Gauge.builder("tributary.sink.buffered.bytes", bufferedBytes)
                .description("Kafka bytes of the rows held in open files and in files waiting for their upload").register(registry);
        Gauge.builder("tributary.sink.degraded", () -> status.degraded() ? 1 : 0)
                .description("1 while S3 or Redis is failing and the sink retries").register(registry);
        failureCounter("s3");
        failureCounter("redis");
    }

    public void rowsWritten(String table, int rows) {
        meters(table).rowsWritten.increment(rows);
    }

    public void fileUploaded(String table, long bytes, long nanos) {
        TableMeters meters = meters(table);
        meters.filesUploaded.increment();
        meters.bytesUploaded.increment(bytes);
        uploadLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void failure(String dependency) {
        failureCounter(dependency).increment();
    }

    public void redisWrites(String table, String outcome, int count) {
        if (count > 0) {
            meters(table).redisWrites.computeIfAbsent(outcome, o -> redisWritesCounter(table, o)).increment(count);
        }
    }

    public void alreadyInLake(String table) {
        meters(table).alreadyInLake.increment();
    }

    public void duplicateDropped(String table) {
        meters(table).duplicatesDropped.increment();
    }

    /** A change of {@code table} applied to Redis; {@code sourceTsMs} is its source commit time. */
    public void appliedToRedis(String table, long sourceTsMs) {
        lag(meters(table).redisLag, sourceTsMs);
    }

    /** A change of {@code table} in an uploaded Parquet object; {@code sourceTsMs} is its source commit time. */
    public void inLake(String table, long sourceTsMs) {
        lag(meters(table).lakeLag, sourceTsMs);
    }

    private void lag(Lag lag, long sourceTsMs) {
        if (sourceTsMs > 0) {
            long lagMs = Math.max(0, registry.config().clock().wallTime() - sourceTsMs);
            lag.timer.record(lagMs, TimeUnit.MILLISECONDS);
            lag.latestMs.set(lagMs);
        }
    }

    private TableMeters meters(String table) {
        return tables.computeIfAbsent(table, this::newMeters);
    }

    private TableMeters newMeters(String table) {
        Map<String, Counter> redisWrites = new ConcurrentHashMap<>();
        redisWrites.put("applied", redisWritesCounter(table, "applied"));
        redisWrites.put("stale", redisWritesCounter(table, "stale"));
        return new TableMeters(
                Counter.builder("tributary.sink.rows.written").description("rows written to uploaded Parquet files")
                        .tag("table", table).register(registry),
                Counter.builder("tributary.sink.files.uploaded").tag("table", table).register(registry),
                Counter.builder("tributary.sink.bytes.uploaded").baseUnit("bytes").tag("table", table).register(registry),
                redisWrites,
                Counter.builder("tributary.sink.rows.already.in.lake")
                        .description("redelivered rows found in an existing file (not written again)")
                        .tag("table", table).register(registry),
                Counter.builder("tributary.sink.duplicates.dropped")
                        .description("rows dropped because their event id is already in the lake or in an open file")
                        .tag("table", table).register(registry),
                newLag(STAGE_REDIS, table), newLag(STAGE_LAKE, table));
    }

    private Lag newLag(String stage, String table) {
        AtomicLong latest = new AtomicLong();
        Gauge.builder(LAG_LATEST, latest, l -> l.get() / 1000.0).description("End-to-end lag of the latest change at this stage")
                .baseUnit("seconds").tag("stage", stage).tag("table", table).register(registry);
        Timer timer = Timer.builder(LAG).description("End-to-end lag: now minus the source commit time of the change, per stage")
                .tag("stage", stage).tag("table", table).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        return new Lag(timer, latest);
    }

    private Counter redisWritesCounter(String table, String outcome) {
        return Counter.builder("tributary.sink.redis.writes").description("row changes sent to Redis: applied or stale (skipped)")
                .tag("table", table).tag("outcome", outcome).register(registry);
    }

    private Counter failureCounter(String dependency) {
        return failures.computeIfAbsent(dependency, d -> Counter.builder("tributary.sink.failures")
                .description("failed attempts to write to a dependency (then retried)").tag("dependency", d).register(registry));
    }
}
