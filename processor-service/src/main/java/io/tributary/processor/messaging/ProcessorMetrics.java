package io.tributary.processor.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.generic.GenericRecord;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The processor's meters (Prometheus names in brackets): records in per table
 * ({@code tributary_processor_records_in_total}), view records out per table and view
 * ({@code tributary_processor_records_out_total}), duplicates dropped
 * ({@code tributary_processor_duplicates_dropped_total}), dead-lettered per table and reason
 * ({@code tributary_processor_dead_lettered_total}), transient failures retried per step and table
 * ({@code tributary_processor_retries_total}), the processing latency histogram from read to input ack
 * ({@code tributary_processor_processing_seconds}), and the pipeline's shared end-to-end lag at stage
 * {@code processed}, when a view record is acked ({@code tributary_pipeline_lag_seconds{stage,table}} histogram,
 * {@code tributary_pipeline_lag_latest_seconds{stage,table}}). Consumer lag comes from the Kafka client metrics
 * ({@code kafka_consumer_fetch_manager_records_lag_max}).
 *
 * <p>A table's meters (all but records out, which need the view) are made at zero with its first change, so a
 * first dead letter or retry is an increase Prometheus sees.
 */
@ApplicationScoped
public class ProcessorMetrics {

    /** The shared end-to-end lag (now minus the source commit time), in every service, tags {@code stage} and {@code table}. */
    public static final String LAG = "tributary.pipeline.lag";
    /** The lag of the latest change at a stage, tags {@code stage} and {@code table}. */
    public static final String LAG_LATEST = "tributary.pipeline.lag.latest";
    /** The stage of this service: the view record is acknowledged by Kafka. */
    public static final String STAGE = "processed";
    /** The steps {@link ChangePipeline} retries. */
    static final List<String> RETRY_STEPS = List.of("decode", "dedupe-check", "dedupe-record", "publish", "reference",
            "dead-letter");
    /** Why a change is dead-lettered. */
    static final List<String> DEAD_LETTER_REASONS = List.of("deserialization", "transformation");

    private final MeterRegistry registry;
    private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();

    /** The meters of one change topic. */
    private record TopicMeters(String table, Counter in, Counter duplicates, Map<String, Counter> deadLettered,
            Map<String, Counter> retries, Map<String, Counter> out, Timer processing, Timer lag, AtomicLong latestLagMs) {
    }

    public ProcessorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The table tag of a change topic: its last dot-separated part. */
    public static String table(String topic) {
        return topic.substring(topic.lastIndexOf('.') + 1);
    }

    /** The commit time of a change ({@code source.ts_ms}, a long or an Instant), or 0 when it has none. */
    public static long sourceTsMs(GenericRecord change) {
        if (change.getSchema().getField("source") == null || !(change.get("source") instanceof GenericRecord source)
                || source.getSchema().getField("ts_ms") == null) {
            return 0;
        }
        Object ts = source.get("ts_ms");
        if (ts instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        return ts instanceof Number n ? n.longValue() : 0;
    }

    void in(String topic) {
        meters(topic).in.increment();
    }

    /** A view record of a change of {@code topic} published and acked; {@code sourceTsMs} is the change's commit time. */
    void out(String topic, String view, long sourceTsMs) {
        TopicMeters meters = meters(topic);
        meters.out.computeIfAbsent(view, v -> Counter.builder("tributary.processor.records.out")
                .description("View records published and acked").tag("table", meters.table).tag("view", v)
                .register(registry)).increment();
        if (sourceTsMs > 0) {
            long lagMs = Math.max(0, registry.config().clock().wallTime() - sourceTsMs);
            meters.lag.record(lagMs, TimeUnit.MILLISECONDS);
            meters.latestLagMs.set(lagMs);
        }
    }

    void duplicate(String topic) {
        meters(topic).duplicates.increment();
    }

    void deadLettered(String topic, String reason) {
        TopicMeters meters = meters(topic);
        meters.deadLettered.computeIfAbsent(reason, r -> deadLetteredCounter(meters.table, r)).increment();
    }

    void retried(String step, String topic) {
        TopicMeters meters = meters(topic);
        meters.retries.computeIfAbsent(step, s -> retriesCounter(meters.table, s)).increment();
    }

    void processed(String topic, long startNanos) {
        meters(topic).processing.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private TopicMeters meters(String topic) {
        return topics.computeIfAbsent(topic, this::newMeters);
    }

    private TopicMeters newMeters(String topic) {
        String table = table(topic);
        Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
        DEAD_LETTER_REASONS.forEach(r -> deadLettered.put(r, deadLetteredCounter(table, r)));
        Map<String, Counter> retries = new ConcurrentHashMap<>();
        RETRY_STEPS.forEach(s -> retries.put(s, retriesCounter(table, s)));
        AtomicLong latest = new AtomicLong();
        Gauge.builder(LAG_LATEST, latest, l -> l.get() / 1000.0).description("End-to-end lag of the latest change at this stage")
                .baseUnit("seconds").tag("stage", STAGE).tag("table", table).register(registry);
        return new TopicMeters(table,
                Counter.builder("tributary.processor.records.in").description("Change records read")
                        .tag("table", table).register(registry),
                Counter.builder("tributary.processor.duplicates.dropped").description("Changes dropped as already published")
                        .tag("table", table).register(registry),
                deadLettered, retries, new ConcurrentHashMap<>(),
                Timer.builder("tributary.processor.processing").description("From read to input ack, per change")
                        .tag("table", table).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                        .register(registry),
                Timer.builder(LAG).description("End-to-end lag: now minus the source commit time of the change, per stage")
                        .tag("stage", STAGE).tag("table", table).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                        .register(registry),
                latest);
    }

    private Counter deadLetteredCounter(String table, String reason) {
        return Counter.builder("tributary.processor.dead.lettered").description("Changes sent to the dead-letter topic")
                .tag("table", table).tag("reason", reason).register(registry);
    }

    private Counter retriesCounter(String table, String step) {
        return Counter.builder("tributary.processor.retries").description("Transient failures retried")
                .tag("step", step).tag("table", table).register(registry);
    }
}
