package io.tributary.capture.messaging;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.jboss.logging.Logger;

import io.apicurio.registry.rest.client.models.ProblemDetails;
import io.apicurio.registry.rest.client.models.RuleViolationProblemDetails;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.tributary.capture.envelope.ChangeEnvelope;
import io.tributary.capture.envelope.EnvelopeMapper;
import io.tributary.capture.envelope.TableRef;
import io.tributary.capture.metrics.CaptureMetrics;

/**
 * The engine's change consumer: maps each batch to envelopes, registers and serializes every key and value
 * (so a refused schema stops capture before anything of the batch is sent), sends all, waits for every
 * acknowledgement, and only then marks the records processed so the engine may commit their offsets.
 */
public class ChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    /** Header carrying the event id (also in the value). */
    public static final String EVENT_ID_HEADER = "tributary.event-id";
    /** Header listing, comma-separated, the columns PostgreSQL did not send (TOASTed and unchanged). */
    public static final String UNCHANGED_TOASTED_HEADER = "tributary.unchanged-toasted";

    private static final Logger LOG = Logger.getLogger(ChangePublisher.class);

    /** Everything the publisher needs to know. */
    public record Settings(String topicPrefix, int partitions, short replicationFactor, String bootstrapServers,
            String registryUrl, Set<String> skippedTables) {
    }

    private final Settings settings;
    private final EnvelopeMapper mapper;
    private final CaptureMetrics metrics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final AvroKafkaSerializer<GenericRecord> keySerializer = new AvroKafkaSerializer<>();
    private final AvroKafkaSerializer<GenericRecord> valueSerializer = new AvroKafkaSerializer<>();
    private final Set<String> topics = ConcurrentHashMap.newKeySet();

    public ChangePublisher(Settings settings, EnvelopeMapper mapper, CaptureMetrics metrics) {
        this.settings = settings;
        this.mapper = mapper;
        this.metrics = metrics;
        Map<String, Object> serde = new HashMap<>();
        serde.put("apicurio.registry.url", settings.registryUrl());
        serde.put("apicurio.registry.auto-register", "true");
        keySerializer.configure(serde, true);
        valueSerializer.configure(serde, false);
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-capture");
        producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()));
    }

    /** {@code <prefix>.<schema>.<table>}. */
    public String topicFor(TableRef table) {
        return settings.topicPrefix() + "." + table.schema() + "." + table.table();
    }

    @Override
    public synchronized void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<ProducerRecord<byte[], byte[]>> outgoing = new ArrayList<>(records.size());
        List<ChangeEnvelope> envelopes = new ArrayList<>(records.size());
        for (RecordChangeEvent<SourceRecord> event : records) {
            SourceRecord record = event.record();
            if (!EnvelopeMapper.isRowChange(record)) {
                ProducerRecord<byte[], byte[]> routed = routed(record);
                if (routed != null) {
                    outgoing.add(routed);
                    envelopes.add(null);
                }
                continue; // heartbeats, transaction markers: nothing to publish, offsets still advance
            }
            TableRef table = EnvelopeMapper.tableOf(record);
            if (settings.skippedTables().contains(table.qualified())) {
                continue; // the heartbeat and signal tables
            }
            ChangeEnvelope envelope = mapper.map(record);
            String topic = topicFor(table);
            ensureTopic(topic);
            RecordHeaders headers = new RecordHeaders();
            byte[] key = serialize(keySerializer, topic, headers, envelope.key(), table);
            byte[] value = serialize(valueSerializer, topic, headers, envelope.value(), table);
            headers.add(EVENT_ID_HEADER, envelope.eventId().getBytes(StandardCharsets.UTF_8));
            if (!envelope.unchangedToasted().isEmpty()) {
                headers.add(UNCHANGED_TOASTED_HEADER, String.join(",", envelope.unchangedToasted()).getBytes(StandardCharsets.UTF_8));
            }
            outgoing.add(new ProducerRecord<>(topic, null, null, key, value, headers));
            envelopes.add(envelope);
        }

        metrics.waiting(outgoing.size());
        List<Future<RecordMetadata>> acks = new ArrayList<>(outgoing.size());
        for (ProducerRecord<byte[], byte[]> r : outgoing) {
            acks.add(producer.send(r));
        }
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("Kafka did not acknowledge a change of "
                        + (envelopes.get(i) == null ? "a routed record" : envelopes.get(i).table().qualified())
                        + " to " + outgoing.get(i).topic() + ": " + e.getCause(), e.getCause());
            }
            metrics.waiting(acks.size() - i - 1L);
            ChangeEnvelope e = envelopes.get(i);
            if (e == null) {
                metrics.routed(outgoing.get(i).topic());
                continue;
            }
            GenericRecord source = (GenericRecord) e.value().get("source");
            metrics.captured(e.table().qualified(), (Long) source.get("ts_ms"));
        }
        for (RecordChangeEvent<SourceRecord> event : records) {
            committer.markProcessed(event);
        }
        committer.markBatchFinished();
    }

    /**
     * A record a transform routed elsewhere (the outbox {@code EventRouter}): published as it is, to the topic the
     * transform chose, key and value as UTF-8 text (the outbox payload is JSON), Connect headers as text.
     * Heartbeats and other records without a value are not published.
     */
    private ProducerRecord<byte[], byte[]> routed(SourceRecord record) {
        if (record.value() == null || record.topic() == null || record.topic().startsWith("__debezium")
                || record.value() instanceof org.apache.kafka.connect.data.Struct) {
            return null;
        }
        ensureTopic(record.topic());
        RecordHeaders headers = new RecordHeaders();
        for (org.apache.kafka.connect.header.Header h : record.headers()) {
            if (h.value() != null) {
                headers.add(h.key(), h.value().toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        org.apache.kafka.common.header.Header id = headers.lastHeader("id");
        if (id != null) {
            headers.add(EVENT_ID_HEADER, id.value());
        }
        return new ProducerRecord<>(record.topic(), null, null, text(record.key()), text(record.value()), headers);
    }

    private static byte[] text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof byte[] b) {
            return b;
        }
        return value.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] serialize(AvroKafkaSerializer<GenericRecord> serializer, String topic, RecordHeaders headers,
            GenericRecord record, TableRef table) {
        try {
            return serializer.serialize(topic, headers, record);
        } catch (RuntimeException e) {
            String detail = registryRefusal(e);
            if (detail != null) {
                metrics.schemaRefused(table.qualified());
                throw new SchemaRefusedException("capture stopped: the registry refused the new schema of table " + table
                        + " (topic " + topic + ", record " + record.getSchema().getFullName() + "): " + detail
                        + ". Nothing of this change was sent; fix the table or the registry rule and restart.", e);
            }
            throw e;
        }
    }

    /** The registry's explanation when the failure is a refused (incompatible) schema, else null. */
    static String registryRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RuleViolationProblemDetails rv) {
                return rv.getDetail();
            }
            if (t instanceof ProblemDetails pd && pd.getStatus() != null && pd.getStatus() == 409) {
                return pd.getDetail();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private void ensureTopic(String topic) {
        if (topics.contains(topic)) {
            return;
        }
        try {
            admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), settings.replicationFactor())))
                    .all().get(30, TimeUnit.SECONDS);
            LOG.infof("created topic %s with %d partitions", topic, settings.partitions());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not create topic " + topic + " within 30 s", e);
        }
        topics.add(topic);
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
        keySerializer.close();
        valueSerializer.close();
    }

}
