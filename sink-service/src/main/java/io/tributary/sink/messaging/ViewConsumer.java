package io.tributary.sink.messaging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.tributary.sink.engine.SinkEngine;
import io.tributary.sink.engine.SinkRuntime;
import io.tributary.sink.view.ViewRecord;
import io.tributary.support.KafkaTraceHeaders;

/**
 * Thin adapter from the view topics (batches) to the sink engine. Tombstones (null values, which follow a
 * delete) carry nothing new: they are skipped, and committed with their batch. Each topic-partition of the
 * batch is acknowledged on its own (what {@code batch.ack()} does: ack the partition's latest record) when its
 * rows are in uploaded files and in Redis; the acks hold only those latest records, never the whole batch, so
 * memory is not pinned by a slow partition and one partition never holds back another's commit.
 *
 * <p>Each record's W3C {@code traceparent} header (written by the processor) is read into its
 * {@link ViewRecord#trace()}: the sink's Redis and upload spans link to it.
 */
@ApplicationScoped
public class ViewConsumer {

    /** The incoming channel of the view topics ({@code mp.messaging.incoming.views.*}). */
    public static final String VIEWS_CHANNEL = "views";

    private static final Logger LOG = Logger.getLogger(ViewConsumer.class);

    private final SinkRuntime runtime;
    private final MeterRegistry registry;
    private final DistributionSummary batchSize;

    public ViewConsumer(SinkRuntime runtime, MeterRegistry registry) {
        this.runtime = runtime;
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("tributary.sink.batch.size")
                .description("records per consumed Kafka batch").register(registry);
    }

    @Incoming(VIEWS_CHANNEL)
    public Uni<Void> consume(KafkaRecordBatch<GenericRecord, GenericRecord> batch) {
        List<KafkaRecord<GenericRecord, GenericRecord>> all = batch.getRecords();
        batchSize.record(all.size());
        List<ConsumerRecord<GenericRecord, GenericRecord>> consumed = new ArrayList<>(all.size());
        for (KafkaRecord<GenericRecord, GenericRecord> message : all) {
            consumed.add(consumerRecord(message));
        }
        List<ViewRecord> records = read(consumed, runtime.settings().viewTopicPrefix());
        Map<String, Runnable> acks = new HashMap<>();
        batch.getLatestOffsetRecords().forEach((tp, latest) ->
                acks.put(SinkEngine.partitionKey(tp.topic(), tp.partition()), () -> latest.ack()));
        return runtime.submit(records, acks);
    }

    /**
     * The view changes of the consumed records: tombstones are left out; a value without the view envelope's
     * shape is counted and skipped; any other error is thrown (it stops the channel: nothing is skipped silently).
     */
    List<ViewRecord> read(List<ConsumerRecord<GenericRecord, GenericRecord>> consumed, String prefix) {
        List<ViewRecord> records = new ArrayList<>(consumed.size());
        for (ConsumerRecord<GenericRecord, GenericRecord> record : consumed) {
            if (record.value() == null) {
                continue;
            }
            try {
                records.add(ViewRecord.of(prefix, record.topic(), record.partition(), record.offset(), record.key(),
                        record.value(), Math.max(0, record.serializedValueSize()), traceOf(record.headers())));
            } catch (IllegalArgumentException e) {
                registry.counter("tributary.sink.records.invalid", "topic", record.topic()).increment();
                LOG.errorf("skipping %s-%d@%d, not a view change: %s", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
        }
        return records;
    }

    /** The trace context of a record's {@code traceparent} header, invalid when there is none. */
    public static SpanContext traceOf(Headers headers) {
        if (headers == null || headers.lastHeader("traceparent") == null) {
            return SpanContext.getInvalid();
        }
        Context extracted = KafkaTraceHeaders.extract(headers);
        return Span.fromContext(extracted).getSpanContext();
    }

    @SuppressWarnings("unchecked")
    private static ConsumerRecord<GenericRecord, GenericRecord> consumerRecord(KafkaRecord<GenericRecord, GenericRecord> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(metadata -> (ConsumerRecord<GenericRecord, GenericRecord>) metadata.getRecord())
                .orElseThrow(() -> new IllegalStateException("a batch record without Kafka metadata"));
    }
}
