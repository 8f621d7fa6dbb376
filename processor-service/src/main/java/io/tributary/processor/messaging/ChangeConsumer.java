package io.tributary.processor.messaging;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * The Kafka adapter: change topics in, one consumed poll at a time ({@code batch=true}). It only translates
 * the batch's records into {@link ChangeRecord}s, hands them to {@link ChangePipeline#handleAll} (which retries
 * transient failures for as long as it takes) and acks the batch when every change of it is durably handled.
 *
 * <p>One batch at a time per consumer, its changes in order (so per key and per partition in order); the
 * throttled commit strategy commits an offset only once every change before it is acked, so nothing is
 * committed before its output is in Kafka. Bounded: one batch in flight per consumer, at most
 * {@code max.poll.records} changes ({@code mp.messaging.incoming.changes.concurrency} adds consumers).
 * Disable it ({@code mp.messaging.incoming.changes.enabled=false}) when a KafkaSource pushes the changes
 * instead ({@code push.KafkaSourceResource}).
 */
@ApplicationScoped
public class ChangeConsumer {

    /** The incoming channel of the change topics (subscribed by pattern). */
    public static final String CHANGES_CHANNEL = "changes";
    private final ChangePipeline pipeline;

    public ChangeConsumer(ChangePipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Incoming(CHANGES_CHANNEL)
    public Uni<Void> consume(KafkaRecordBatch<byte[], byte[]> batch) {
        List<ChangeRecord> records = new ArrayList<>(batch.getRecords().size());
        for (KafkaRecord<byte[], byte[]> message : batch.getRecords()) {
            @SuppressWarnings("unchecked")
            IncomingKafkaRecordMetadata<byte[], byte[]> origin = message.getMetadata(IncomingKafkaRecordMetadata.class)
                    .orElseThrow();
            records.add(new ChangeRecord(origin.getTopic(), origin.getPartition(), origin.getOffset(), origin.getKey(),
                    message.getPayload(), origin.getHeaders()));
        }
        return pipeline.handleAll(records).chain(outcomes -> Uni.createFrom().completionStage(batch::ack));
    }
}
