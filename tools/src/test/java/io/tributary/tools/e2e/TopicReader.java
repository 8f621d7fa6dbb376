package io.tributary.tools.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads whole topics (event id headers) and consumer group lag from the real broker. */
final class TopicReader implements AutoCloseable {

    private final String bootstrapServers;
    private final Map<String, String> client;
    private final Admin admin;

    TopicReader(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /** @param client further client settings, e.g. a secure stack's SASL_SSL settings of one principal */
    TopicReader(String bootstrapServers, Map<String, String> client) {
        this.bootstrapServers = bootstrapServers;
        this.client = client;
        Properties props = new Properties();
        props.putAll(client);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(props);
    }

    /** Every record of the topic, from the beginning to the end it had when called. */
    List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        read(topic, records::add);
        return records;
    }

    /** The names of the topics that start with {@code prefix}. */
    List<String> topics(String prefix) throws Exception {
        return admin.listTopics().names().get().stream().filter(t -> t.startsWith(prefix)).sorted().toList();
    }

    /** Event id (the capture's tributary.event-id header) -> how many records of the topic carry it. */
    Map<String, Integer> eventIds(String topic) {
        Map<String, Integer> ids = new HashMap<>();
        read(topic, record -> {
            Header header = record.headers().lastHeader("tributary.event-id");
            if (header != null && record.value() != null) {
                ids.merge(new String(header.value(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
        });
        return ids;
    }

    private void read(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        // a topic not there yet reads as empty, and a principal without CREATE is not refused for asking
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end within 2 minutes");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }

    /** Records the group has not committed yet, over every partition it has committed on. */
    long lag(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        committed.keySet().forEach(tp -> request.put(tp, OffsetSpec.latest()));
        var end = admin.listOffsets(request).all().get();
        long lag = 0;
        for (var e : committed.entrySet()) {
            lag += Math.max(0, end.get(e.getKey()).offset() - (e.getValue() == null ? 0 : e.getValue().offset()));
        }
        return lag;
    }

    @Override
    public void close() {
        admin.close();
    }
}
