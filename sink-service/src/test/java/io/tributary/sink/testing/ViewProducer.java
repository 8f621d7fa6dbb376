package io.tributary.sink.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.tributary.testsupport.TestServices;

/** Publishes view changes as the processor does: Avro key and value through the Apicurio serializer (auto-register). */
public final class ViewProducer implements AutoCloseable {

    private final KafkaProducer<Object, Object> producer;
    private final String bootstrap;

    public ViewProducer(TestServices services) {
        this.bootstrap = services.kafka().bootstrapServers();
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "5",
                "apicurio.registry.url", services.registry().url(),
                "apicurio.registry.auto-register", "true"));
    }

    /** Creates a topic with this many partitions. */
    public void createTopic(String topic, int partitions) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create " + topic, e);
        }
    }

    /** Sends a change, then (for a delete) its tombstone; waits for the broker. Returns the change's offset. */
    public long send(String topic, int partition, GenericRecord value) {
        GenericRecord key = (GenericRecord) value.get("key");
        long offset = sendRaw(topic, partition, key, value);
        if (value.get("after") == null) {
            sendRaw(topic, partition, key, null);
        }
        return offset;
    }

    public long sendRaw(String topic, int partition, GenericRecord key, GenericRecord value) {
        try {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
            return metadata.offset();
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not send to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
