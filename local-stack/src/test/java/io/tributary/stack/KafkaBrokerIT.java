package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack's Kafka broker: produce with acks=all, consume in a consumer group that resumes from its commit. */
class KafkaBrokerIT {

    @TempDir
    static Path dir;
    static KafkaBroker kafka;

    @BeforeAll
    static void start() {
        kafka = new KafkaBroker(dir.resolve("kafka"), Processes.freePort(), Processes.freePort(), StackLayout.discover());
        kafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.stop();
    }

    @Test
    void consumerGroupResumesAfterItsCommittedOffsetsAcrossABrokerRestart() throws Exception {
        String topic = "it.orders";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        produce(topic, 0, 100);

        List<String> first = consume(topic, "it-group", 60);
        assertThat(first).hasSizeGreaterThanOrEqualTo(60);

        kafka.stop();
        kafka.start();
        produce(topic, 100, 20);

        List<String> rest = consume(topic, "it-group", 120 - first.size());
        List<String> all = new ArrayList<>(first);
        all.addAll(rest);
        assertThat(all).hasSize(120).doesNotHaveDuplicates();
    }

    private void produce(String topic, int from, int count) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + (i % 7), "value-" + i)).get();
            }
        }
    }

    /** Polls until {@code max} records arrived or nothing more comes, commits them, and closes the consumer. */
    private List<String> consume(String topic, String group, int max) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int emptyPollsAfterData = 0;
            while (values.size() < max && System.nanoTime() < deadline && emptyPollsAfterData < 5) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty() && !values.isEmpty()) {
                    emptyPollsAfterData++;
                }
                for (ConsumerRecord<String, String> record : records) {
                    values.add(record.value());
                }
                consumer.commitSync();
                if (values.size() >= max) {
                    break;
                }
            }
        }
        return values;
    }
}
