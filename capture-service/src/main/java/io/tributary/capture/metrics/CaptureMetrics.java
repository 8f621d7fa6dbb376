package io.tributary.capture.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The capture-service's meters (Prometheus names): {@code tributary_capture_changes_total{table}},
 * {@code tributary_capture_schema_refused_total{table}}, {@code tributary_capture_routed_total{topic}}, {@code tributary_capture_last_source_timestamp_ms},
 * {@code tributary_capture_lag_ms}, {@code tributary_capture_records_waiting},
 * {@code tributary_capture_slot_lag_bytes}, and the pipeline's shared end-to-end lag at stage {@code captured}:
 * {@code tributary_pipeline_lag_seconds{stage,table}} (histogram) and {@code tributary_pipeline_lag_latest_seconds{stage,table}}.
 * Per-table meters are made once, at zero, when the table is first named (the watched tables at start-up).
 */
@ApplicationScoped
public class CaptureMetrics {

    /** The shared end-to-end lag (now minus the source commit time), in every service, tags {@code stage} and {@code table}. */
    public static final String LAG = "tributary.pipeline.lag";
    /** The lag of the latest change at a stage, tags {@code stage} and {@code table}. */
    public static final String LAG_LATEST = "tributary.pipeline.lag.latest";
    /** The stage of this service: the change is acknowledged by Kafka. */
    public static final String STAGE = "captured";

    private final MeterRegistry registry;
    private final Map<String, TableMeters> tables = new ConcurrentHashMap<>();
    private final AtomicLong lastSourceTs = new AtomicLong();
    private final AtomicLong waiting = new AtomicLong();

    /** The meters of one table, keyed by its qualified name. */
    private record TableMeters(Counter changes, Counter schemaRefused, Timer lag, AtomicLong latestLagMs) {
    }

    public CaptureMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("tributary.capture.last.source.timestamp.ms", lastSourceTs, AtomicLong::get)
                .description("Commit time (source ts_ms) of the last change sent to Kafka").register(registry);
        Gauge.builder("tributary.capture.lag.ms", lastSourceTs, t -> t.get() == 0 ? 0 : System.currentTimeMillis() - t.get())
                .description("Now minus the commit time of the last change sent").register(registry);
        Gauge.builder("tributary.capture.records.waiting", waiting, AtomicLong::get)
                .description("Records of the current batch not yet acknowledged by Kafka").register(registry);
    }

    /** Registers the slot lag gauge (queried from PostgreSQL on each scrape). */
    public void slotLag(LongSupplier bytes) {
        Gauge.builder("tributary.capture.slot.lag.bytes", bytes, LongSupplier::getAsLong)
                .description("WAL retained by the replication slot: pg_current_wal_lsn() - confirmed_flush_lsn")
                .baseUnit("bytes").strongReference(true).register(registry);
    }

    /** The meters of a table ({@code schema.table}), made at zero on first use. */
    public void table(String qualifiedTable) {
        meters(qualifiedTable);
    }

    /** A change of {@code table} ({@code schema.table}) acknowledged by Kafka; {@code sourceTsMs} is its commit time. */
    public void captured(String table, long sourceTsMs) {
        TableMeters meters = meters(table);
        meters.changes.increment();
        if (sourceTsMs > 0) {
            long lagMs = Math.max(0, registry.config().clock().wallTime() - sourceTsMs);
            meters.lag.record(lagMs, TimeUnit.MILLISECONDS);
            meters.latestLagMs.set(lagMs);
        }
        lastSourceTs.accumulateAndGet(sourceTsMs, Math::max);
    }

    /** A record a transform (outbox EventRouter) routed to {@code topic}, acknowledged by Kafka. */
    public void routed(String topic) {
        Counter.builder("tributary.capture.routed").description("Routed (outbox) records sent to Kafka and acknowledged")
                .tag("topic", topic).register(registry).increment();
    }

    public void schemaRefused(String table) {
        meters(table).schemaRefused.increment();
    }

    public void waiting(long n) {
        waiting.set(n);
    }

    private TableMeters meters(String qualifiedTable) {
        return tables.computeIfAbsent(qualifiedTable, this::newMeters);
    }

    private TableMeters newMeters(String qualifiedTable) {
        // the lag's table tag is the bare table name, as in the processor (the last part of the change topic)
        String table = qualifiedTable.substring(qualifiedTable.lastIndexOf('.') + 1);
        AtomicLong latest = new AtomicLong();
        Gauge.builder(LAG_LATEST, latest, l -> l.get() / 1000.0).description("End-to-end lag of the latest change at this stage")
                .baseUnit("seconds").tag("stage", STAGE).tag("table", table).register(registry);
        return new TableMeters(
                Counter.builder("tributary.capture.changes").description("Changes sent to Kafka and acknowledged")
                        .tag("table", qualifiedTable).register(registry),
                Counter.builder("tributary.capture.schema.refused").description("Schema changes the registry refused")
                        .tag("table", qualifiedTable).register(registry),
                lagTimer(registry, STAGE, table), latest);
    }

    /** The shared lag histogram: 1 ms to 1 h, with percentile buckets so Prometheus computes p50/p99. */
    private static Timer lagTimer(MeterRegistry registry, String stage, String table) {
        return Timer.builder(LAG).description("End-to-end lag: now minus the source commit time of the change, per stage")
                .tag("stage", stage).tag("table", table).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
    }
}
