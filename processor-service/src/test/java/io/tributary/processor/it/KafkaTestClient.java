package io.tributary.processor.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;

/** Produces change records as capture-service does, and reads whole topics back. */
public final class KafkaTestClient implements AutoCloseable {

    private final String bootstrap;
    private final String registryUrl;
    private final KafkaProducer<Object, Object> avro;
    private final KafkaProducer<byte[], byte[]> bytes;

    public KafkaTestClient(String bootstrap, String registryUrl) {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("apicurio.registry.url", registryUrl);
        config.put("apicurio.registry.auto-register", "true");
        config.put("acks", "all");
        config.put("linger.ms", "5");
        avro = new KafkaProducer<>(config, serializer(true), serializer(false));
        bytes = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private AvroKafkaSerializer<Object> serializer(boolean key) {
        AvroKafkaSerializer<Object> serializer = new AvroKafkaSerializer<>();
        serializer.configure(Map.of("apicurio.registry.url", registryUrl, "apicurio.registry.auto-register", "true"), key);
        return serializer;
    }

    public void createTopics(String... topics) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            for (String topic : topics) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a change keyed by its {@code key} field, waits for the ack. */
    public void send(String topic, SpecificRecord change) {
        GenericRecord generic = io.tributary.processor.Changes.generic(change);
        try {
            avro.send(new ProducerRecord<>(topic, generic.get("key"), generic)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers the change's schema for the topic's values, as a producer would, without sending anything. */
    public void register(String topic, SpecificRecord change) {
        try (AvroKafkaSerializer<Object> serializer = serializer(false)) {
            serializer.serialize(topic, io.tributary.processor.Changes.generic(change));
        }
    }

    /** The value bytes a producer of this client would write for the change (schema registered, id in the payload). */
    public byte[] valueBytes(String topic, SpecificRecord change) {
        try (AvroKafkaSerializer<Object> serializer = serializer(false)) {
            return serializer.serialize(topic, io.tributary.processor.Changes.generic(change));
        }
    }

    /** Sends without waiting (call {@link #flush()}). */
    public void sendAsync(String topic, SpecificRecord change) {
        GenericRecord generic = io.tributary.processor.Changes.generic(change);
        avro.send(new ProducerRecord<>(topic, generic.get("key"), generic));
    }

    public void flush() {
        avro.flush();
        bytes.flush();
    }

    public void sendBytes(String topic, byte[] key, byte[] value) {
        try {
            bytes.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of the topic, decoded with the registry (values may be null: tombstones). */
    public List<ConsumerRecord<GenericRecord, GenericRecord>> readAvro(String topic) {
        AvroKafkaDeserializer<GenericRecord> key = new AvroKafkaDeserializer<>();
        key.configure(Map.of("apicurio.registry.url", registryUrl), true);
        AvroKafkaDeserializer<GenericRecord> value = new AvroKafkaDeserializer<>();
        value.configure(Map.of("apicurio.registry.url", registryUrl), false);
        return readAll(topic, key, value);
    }

    /** The sum of the topic's end offsets: its records so far (transaction markers included), without reading them. */
    public long endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null || infos.isEmpty()) {
                return 0;
            }
            return consumer.endOffsets(infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList())
                    .values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Every record of the topic, raw. */
    public List<ConsumerRecord<byte[], byte[]>> readBytes(String topic) {
        return readAll(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private <K, V> List<ConsumerRecord<K, V>> readAll(String topic, org.apache.kafka.common.serialization.Deserializer<K> k,
            org.apache.kafka.common.serialization.Deserializer<V> v) {
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", "false",
                "isolation.level", "read_committed");
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(config, k, v)) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null || infos.isEmpty()) {
                return List.of();
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<K, V>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /** The event ids of the non-tombstone records of a view topic. */
    public static List<String> eventIds(List<ConsumerRecord<GenericRecord, GenericRecord>> records) {
        return records.stream().filter(r -> r.value() != null).map(r -> r.value().get("event_id").toString()).toList();
    }

    public static Set<String> set(List<String> ids) {
        return Set.copyOf(ids);
    }

    @Override
    public void close() {
        avro.close();
        bytes.close();
    }
}
