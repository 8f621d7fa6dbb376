package io.tributary.capture.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The capture-service's meters (Prometheus names): {@code tributary_capture_changes_total{table}},
 * {@code tributary_capture_schema_refused_total{table}}, {@code tributary_capture_routed_total{topic}}, {@code tributary_capture_last_source_timestamp_ms},
 * {@code tributary_capture_lag_ms}, {@code tributary_capture_records_waiting},
 * {@code tributary_capture_slot_lag_bytes}.
 */
@ApplicationScoped
public class CaptureMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> changes = new ConcurrentHashMap<>();
    private final AtomicLong lastSourceTs = new AtomicLong();
    private final AtomicLong waiting = new AtomicLong();

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

    public void captured(String table, long sourceTsMs) {
        changes.computeIfAbsent(table, t -> Counter.builder("tributary.capture.changes")
                .description("Changes sent to Kafka and acknowledged").tag("table", t).register(registry)).increment();
        lastSourceTs.accumulateAndGet(sourceTsMs, Math::max);
    }

    /** A record a transform (outbox EventRouter) routed to {@code topic}, acknowledged by Kafka. */
    public void routed(String topic) {
        Counter.builder("tributary.capture.routed").description("Routed (outbox) records sent to Kafka and acknowledged")
                .tag("topic", topic).register(registry).increment();
    }

    public void schemaRefused(String table) {
        Counter.builder("tributary.capture.schema.refused").description("Schema changes the registry refused")
                .tag("table", table).register(registry).increment();
    }

    public void waiting(long n) {
        waiting.set(n);
    }
}
