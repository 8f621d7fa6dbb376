package io.tributary.processor.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * The Kafka adapter: change topics in. It only translates a Kafka message into a {@link ChangeRecord},
 * hands it to {@link ChangePipeline#handle} (which retries transient failures for as long as it takes) and
 * acks the message when the change is durably handled.
 *
 * <p>One change at a time per consumer (so per key and per partition in order); the throttled commit
 * strategy commits an offset only once every change before it is acked, so nothing is committed before its
 * output is in Kafka. Bounded: one change in flight per consumer
 * ({@code mp.messaging.incoming.changes.concurrency} adds consumers), at most {@code max.poll.records} read
 * ahead. Disable it ({@code mp.messaging.incoming.changes.enabled=false}) when a KafkaSource pushes the
 * changes instead ({@code push.KafkaSourceResource}).
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
    public Uni<Void> consume(Message<byte[]> message) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordMetadata<byte[], byte[]> origin = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow();
        ChangeRecord record = new ChangeRecord(origin.getTopic(), origin.getPartition(), origin.getOffset(),
                origin.getKey(), message.getPayload(), origin.getHeaders());
        return pipeline.handle(record).chain(outcome -> Uni.createFrom().completionStage(message::ack));
    }
}
