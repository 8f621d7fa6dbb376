package io.tributary.sink.messaging;

import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.tributary.sink.engine.SinkEngine;
import io.tributary.sink.engine.SinkRuntime;

/**
 * Tells the engine when partitions of the view topics come and go
 * ({@code mp.messaging.incoming.views.consumer-rebalance-listener.name}). Runs on the Kafka polling thread and
 * waits for the engine's worker: a revoked or lost partition's open file is dropped before the partition goes
 * to its next owner, so two consumers never upload overlapping files; an assigned one starts recovering.
 */
@ApplicationScoped
@Identifier(SinkRebalanceListener.NAME)
public class SinkRebalanceListener implements KafkaConsumerRebalanceListener {

    /** The listener's name in the channel configuration. */
    public static final String NAME = "sink-rebalance";

    private final SinkRuntime runtime;

    public SinkRebalanceListener(SinkRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        List<String> keys = keys(partitions);
        runtime.runOnWorker("revoke " + keys, engine -> engine.partitionsRevoked(keys));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        List<String> keys = keys(partitions);
        runtime.runOnWorker("lose " + keys, engine -> engine.partitionsRevoked(keys));
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        List<String> keys = keys(partitions);
        runtime.runOnWorker("assign " + keys, engine -> engine.partitionsAssigned(keys));
    }

    private static List<String> keys(Collection<TopicPartition> partitions) {
        return partitions.stream().map(tp -> SinkEngine.partitionKey(tp.topic(), tp.partition())).toList();
    }
}
