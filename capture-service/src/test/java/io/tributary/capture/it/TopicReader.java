package io.tributary.capture.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;

/** Reads change topics back with the real Apicurio deserializer; keeps everything read so far. */
public final class TopicReader implements AutoCloseable {

    /** One record read back. */
    public record Change(String topic, int partition, long offset, GenericRecord key, GenericRecord value, Map<String, String> headers) {
        public String eventId() {
            return value.get("event_id").toString();
        }

        public String op() {
            return value.get("op").toString();
        }

        public GenericRecord source() {
            return (GenericRecord) value.get("source");
        }

        public GenericRecord after() {
            return (GenericRecord) value.get("after");
        }

        public GenericRecord before() {
            return (GenericRecord) value.get("before");
        }
    }

    private final KafkaConsumer<GenericRecord, GenericRecord> consumer;
    private final List<Change> seen = new ArrayList<>();
    /** topic/partition/offset already read: a rebalance (new topic matching the pattern) re-reads from the start. */
    private final java.util.Set<String> positions = new java.util.HashSet<>();
    private java.util.function.Supplier<String> failure = () -> null;

    /** Makes {@link #until} fail at once when this returns a failure (e.g. the engine stopped). */
    public TopicReader failWhen(java.util.function.Supplier<String> failure) {
        this.failure = failure;
        return this;
    }

    public TopicReader(String bootstrapServers, String registryUrl, java.util.regex.Pattern topics) {
        AvroKafkaDeserializer<GenericRecord> keys = new AvroKafkaDeserializer<>();
        AvroKafkaDeserializer<GenericRecord> values = new AvroKafkaDeserializer<>();
        Map<String, Object> serde = Map.of("apicurio.registry.url", registryUrl);
        keys.configure(serde, true);
        values.configure(serde, false);
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500), keys, values);
        consumer.subscribe(topics);
    }

    /** Polls until {@code done} holds for everything read so far; returns all of it. */
    public synchronized List<Change> until(Duration timeout, Predicate<List<Change>> done) {
        Awaitility.await().pollInSameThread().atMost(timeout)
                .conditionEvaluationListener(e -> {
                    if (e.getRemainingTimeInMS() <= 300) {
                        System.out.println("TopicReader: still waiting; seen so far: " + summary());
                    }
                }).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (ConsumerRecord<GenericRecord, GenericRecord> r : consumer.poll(Duration.ofMillis(200))) {
                if (!positions.add(r.topic() + "/" + r.partition() + "/" + r.offset())) {
                    continue;
                }
                Map<String, String> headers = new java.util.HashMap<>();
                for (Header h : r.headers()) {
                    if (h.key().startsWith("tributary.")) {
                        headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                    }
                }
                seen.add(new Change(r.topic(), r.partition(), r.offset(), r.key(), r.value(), headers));
            }
            String failed = failure.get();
            if (failed != null) {
                throw new AssertionError("stopped waiting: " + failed);
            }
            return done.test(seen);
        });
        return List.copyOf(seen);
    }

    /** Per topic and op, how many records were read (for failure messages). */
    public synchronized String summary() {
        return seen.stream().collect(java.util.stream.Collectors.groupingBy(c -> c.topic() + " " + c.op(), java.util.TreeMap::new,
                java.util.stream.Collectors.mapping(c -> String.valueOf(c.key().get("id")), java.util.stream.Collectors.joining(",")))).toString();
    }

    public synchronized List<Change> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
