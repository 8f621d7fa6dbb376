package io.tributary.processor.enrich;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.tributary.processor.config.ProcessorConfig;
import io.tributary.processor.messaging.AvroDecoder;
import io.tributary.processor.view.ReferenceData;

/**
 * The reference tables joins read, materialized in memory: each reference change topic is read from the
 * beginning at start (no consumer group, nothing committed) and then followed, so lookups are map reads.
 * A table is {@link #loaded} once read up to the end offsets seen at start; until then joins on it wait.
 *
 * <p>Rows are kept by the change's {@code key}; each column a join looks up by ({@code reference-field}) is
 * indexed by its value's string form. A DELETE removes the row. Undecodable records are skipped (logged).
 */
@Startup
@ApplicationScoped
public class ReferenceTables implements ReferenceData {

    private static final Logger LOG = Logger.getLogger(ReferenceTables.class);

    private final Map<String, Table> tables = new ConcurrentHashMap<>();
    private final Map<String, Object> kafkaConfig;
    private final String registryUrl;
    private ExecutorService executor;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public ReferenceTables(ProcessorConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            @ConfigProperty(name = "apicurio.registry.url") String registryUrl) {
        this.kafkaConfig = kafkaConfig;
        this.registryUrl = registryUrl;
        config.views().values().forEach(view -> view.joins().values().forEach(join -> tables
                .computeIfAbsent(join.referenceTopic(), Table::new).fields.add(join.referenceField())));
        tables.values().forEach(Table::index);
    }

    @PostConstruct
    void start() {
        if (!tables.isEmpty()) {
            executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "reference-tables"));
            executor.execute(this::run);
        }
    }

    /** The reference topics followed. */
    public Set<String> topics() {
        return new TreeSet<>(tables.keySet());
    }

    /** Whether the follower thread died (then lookups never see new reference rows). */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** The topics not loaded yet. */
    public List<String> loading() {
        return tables.values().stream().filter(t -> !t.loaded).map(t -> t.topic).sorted().toList();
    }

    @Override
    public boolean loaded(String topic) {
        Table table = tables.get(topic);
        return table != null && table.loaded;
    }

    @Override
    public Optional<Schema> rowSchema(String topic) {
        Table table = tables.get(topic);
        return table == null ? Optional.empty() : Optional.ofNullable(table.schema);
    }

    @Override
    public Optional<GenericRecord> find(String topic, String field, Object value) {
        Table table = tables.get(topic);
        if (table == null) {
            return Optional.empty();
        }
        Map<String, GenericRecord> index = table.indexes.get(field);
        return index == null ? Optional.empty() : Optional.ofNullable(index.get(value.toString()));
    }

    private void run() {
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.keySet().removeIf(k -> !(k instanceof String s) || s.startsWith("apicurio") || s.startsWith("mp."));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "processor-reference-tables");
        // a reference topic appears when capture first writes it: wait for it, never create it (with the broker's
        // default partitions, or refused outright where the processor may only read change topics)
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        try (AvroDecoder decoder = new AvroDecoder(registryUrl);
                KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(props)) {
            consumer = kafka;
            List<TopicPartition> partitions = awaitPartitions(kafka);
            kafka.assign(partitions);
            kafka.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = kafka.endOffsets(partitions);
            markLoaded(kafka, ends);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(500))) {
                    apply(decoder, record);
                }
                markLoaded(kafka, ends);
                schemasOfEmptyTables();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                LOG.errorf("reference tables stopped following their topics: %s", e.getClass().getName());
                failure.set(e);
            }
        }
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<byte[], byte[]> kafka) {
        long backoff = 200;
        while (true) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String topic : tables.keySet()) {
                List<PartitionInfo> infos = kafka.partitionsFor(topic);
                if (infos == null || infos.isEmpty()) {
                    missing.add(topic);
                } else {
                    infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
            if (missing.isEmpty()) {
                return partitions;
            }
            LOG.warnf("waiting for reference topics %s to exist; joins on them wait too", missing);
            try {
                TimeUnit.MILLISECONDS.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
            backoff = Math.min(backoff * 2, 5000);
        }
    }

    private void markLoaded(KafkaConsumer<byte[], byte[]> kafka, Map<TopicPartition, Long> ends) {
        for (Table table : tables.values()) {
            if (!table.loaded && ends.entrySet().stream().filter(e -> e.getKey().topic().equals(table.topic))
                    .allMatch(e -> kafka.position(e.getKey()) >= e.getValue())) {
                table.loaded = true;
                LOG.infof("reference table %s loaded: %d rows", table.topic, table.rows.size());
            }
        }
    }

    /**
     * A loaded table with no row yet has no schema from data; joins need one to type their columns, so it is
     * read from the registry: the latest {@code <topic>-value} artifact (topic id strategy, group default).
     */
    private void schemasOfEmptyTables() {
        for (Table table : tables.values()) {
            if (!table.loaded || table.schema != null || System.nanoTime() < table.nextRegistryLookup) {
                continue;
            }
            table.nextRegistryLookup = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            String url = registryUrl + "/groups/default/artifacts/"
                    + URLEncoder.encode(table.topic + "-value", StandardCharsets.UTF_8)
                    + "/versions/branch=latest/content?references=DEREFERENCE";
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    LOG.warnf("reference table %s is empty and the registry has no schema for it (HTTP %d): "
                            + "joins on it wait for its first row", table.topic, response.statusCode());
                    continue;
                }
                Schema change = new Schema.Parser().parse(response.body());
                Schema.Field after = change.getType() == Schema.Type.RECORD ? change.getField("after") : null;
                if (after == null) {
                    continue;
                }
                Schema row = after.schema();
                if (row.getType() == Schema.Type.UNION) {
                    row = row.getTypes().stream().filter(t -> t.getType() == Schema.Type.RECORD).findFirst().orElse(null);
                }
                if (row != null && table.schema == null) {
                    table.schema = row;
                    LOG.infof("reference table %s is empty; its row schema comes from the registry", table.topic);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("reference table %s: registry lookup failed (%s), will retry", table.topic,
                        e.getClass().getName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
    }

    private void apply(AvroDecoder decoder, ConsumerRecord<byte[], byte[]> record) {
        Table table = tables.get(record.topic());
        GenericRecord change;
        try {
            change = decoder.value(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            LOG.warnf("skipped undecodable reference record %s-%d@%d (%s)", record.topic(), record.partition(),
                    record.offset(), e.getClass().getName());
            return;
        }
        if (table == null || change == null || change.getSchema().getField("key") == null) {
            return;
        }
        String key = Objects.toString(change.get("key"));
        GenericRecord after = change.getSchema().getField("after") != null && change.get("after") instanceof GenericRecord r
                ? r : null;
        String op = Objects.toString(change.get("op"));
        GenericRecord previous = "DELETE".equals(op) || after == null ? table.rows.remove(key) : table.rows.put(key, after);
        if (previous != null) {
            for (String field : table.fields) {
                Object old = previous.getSchema().getField(field) == null ? null : previous.get(field);
                if (old != null) {
                    table.indexes.get(field).remove(old.toString(), previous);
                }
            }
        }
        if (after != null && !"DELETE".equals(op)) {
            table.schema = after.getSchema();
            for (String field : table.fields) {
                Object value = after.getSchema().getField(field) == null ? null : after.get(field);
                if (value != null) {
                    table.indexes.get(field).put(value.toString(), after);
                }
            }
        }
    }

    @PreDestroy
    void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (executor != null) {
            executor.shutdown();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class Table {
        final String topic;
        final Set<String> fields = ConcurrentHashMap.newKeySet();
        final Map<String, GenericRecord> rows = new ConcurrentHashMap<>();
        final Map<String, Map<String, GenericRecord>> indexes = new ConcurrentHashMap<>();
        volatile Schema schema;
        volatile boolean loaded;
        long nextRegistryLookup = System.nanoTime();

        Table(String topic) {
            this.topic = topic;
        }

        Table index() {
            fields.forEach(f -> indexes.computeIfAbsent(f, x -> new ConcurrentHashMap<>()));
            return this;
        }
    }
}
