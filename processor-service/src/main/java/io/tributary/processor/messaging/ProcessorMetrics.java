package io.tributary.processor.messaging;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The processor's meters (Prometheus names in brackets): records in per table
 * ({@code tributary_processor_records_in_total}), view records out per table and view
 * ({@code tributary_processor_records_out_total}), duplicates dropped
 * ({@code tributary_processor_duplicates_dropped_total}), dead-lettered per table and reason
 * ({@code tributary_processor_dead_lettered_total}), transient failures retried
 * ({@code tributary_processor_retries_total}) and the processing latency histogram from read to input ack
 * ({@code tributary_processor_processing_seconds}). Consumer lag comes from the Kafka client metrics
 * ({@code kafka_consumer_fetch_manager_records_lag_max}).
 */
@ApplicationScoped
public class ProcessorMetrics {

    private final MeterRegistry registry;

    public ProcessorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The table tag of a change topic: its last dot-separated part. */
    public static String table(String topic) {
        return topic.substring(topic.lastIndexOf('.') + 1);
    }

    void in(String topic) {
        Counter.builder("tributary.processor.records.in").description("Change records read")
                .tag("table", table(topic)).register(registry).increment();
    }

    void out(String topic, String view) {
        Counter.builder("tributary.processor.records.out").description("View records published and acked")
                .tag("table", table(topic)).tag("view", view).register(registry).increment();
    }

    void duplicate(String topic) {
        Counter.builder("tributary.processor.duplicates.dropped").description("Changes dropped as already published")
                .tag("table", table(topic)).register(registry).increment();
    }

    void deadLettered(String topic, String reason) {
        Counter.builder("tributary.processor.dead.lettered").description("Changes sent to the dead-letter topic")
                .tag("table", table(topic)).tag("reason", reason).register(registry).increment();
    }

    void retried(String step) {
        Counter.builder("tributary.processor.retries").description("Transient failures retried")
                .tag("step", step).register(registry).increment();
    }

    void processed(String topic, long startNanos) {
        Timer.builder("tributary.processor.processing").description("From read to input ack, per change")
                .tag("table", table(topic)).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry).record(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
