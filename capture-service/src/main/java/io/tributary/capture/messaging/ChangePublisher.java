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
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.debezium.engine.RecordChangeEvent;
import io.tributary.capture.envelope.ChangeEnvelope;
import io.tributary.capture.envelope.EnvelopeMapper;
import io.tributary.capture.envelope.TableRef;
import io.tributary.capture.metrics.CaptureMetrics;
import io.tributary.support.KafkaTraceHeaders;
import io.tributary.support.avro.CachingAvroSerializer;

/**
 * The engine's change consumer: maps each batch to envelopes, registers and serializes every key and value
 * (so a refused schema stops capture before anything of the batch is sent), sends all, waits for every
 * acknowledgement, and only then marks the records processed so the engine may commit their offsets.
 *
 * <p>Tracing: each published row change gets a PRODUCER span ({@code capture <schema.table>}) that ends when
 * Kafka acknowledges the record; its W3C trace context is written into the record's {@code traceparent}
 * header, where the processor picks it up. With the OpenTelemetry SDK disabled the spans are no-ops and no
 * header is written.
 */
public class ChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    /** Header carrying the event id (also in the value). */
    public static final String EVENT_ID_HEADER = "tributary.event-id";
    /** Header listing, comma-separated, the columns PostgreSQL did not send (TOASTed and unchanged). */
    public static final String UNCHANGED_TOASTED_HEADER = "tributary.unchanged-toasted";

    /** Instrumentation scope of the capture spans. */
    public static final String TRACER_NAME = "io.tributary.capture";

    private static final Logger LOG = Logger.getLogger(ChangePublisher.class);

    /** Everything the publisher needs to know. */
    public record Settings(String topicPrefix, int partitions, short replicationFactor, String bootstrapServers,
            Map<String, String> kafkaClient, String registryUrl, Set<String> skippedTables) {
    }

    private final Settings settings;
    private final EnvelopeMapper mapper;
    private final CaptureMetrics metrics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    // Apicurio's serializer with schema lookups and Avro writers cached per schema (its own asks the registry per record)
    private final AvroKafkaSerializer<GenericRecord> keySerializer = new CachingAvroSerializer<>();
    private final AvroKafkaSerializer<GenericRecord> valueSerializer = new CachingAvroSerializer<>();
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Tracer tracer;

    /** A publisher that records no spans. */
    public ChangePublisher(Settings settings, EnvelopeMapper mapper, CaptureMetrics metrics) {
        this(settings, mapper, metrics, OpenTelemetry.noop());
    }

    public ChangePublisher(Settings settings, EnvelopeMapper mapper, CaptureMetrics metrics, OpenTelemetry openTelemetry) {
        this.settings = settings;
        this.mapper = mapper;
        this.metrics = metrics;
        this.tracer = openTelemetry.getTracer(TRACER_NAME);
        Map<String, Object> serde = new HashMap<>();
        serde.put("apicurio.registry.url", settings.registryUrl());
        serde.put("apicurio.registry.auto-register", "true");
        keySerializer.configure(serde, true);
        valueSerializer.configure(serde, false);
        Map<String, Object> producerConfig = new HashMap<>(settings.kafkaClient());
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-capture");
        producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> adminConfig = new HashMap<>(settings.kafkaClient());
        adminConfig.keySet().retainAll(AdminClientConfig.configNames());
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        admin = Admin.create(adminConfig);
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
        List<Span> spans = new ArrayList<>(records.size());
        try {
            publish(records, committer, outgoing, envelopes, spans);
        } catch (RuntimeException | InterruptedException | Error e) {
            for (Span span : spans) {
                if (span != null && span.isRecording()) {
                    span.recordException(e);
                    span.setStatus(StatusCode.ERROR);
                    span.end();
                }
            }
            throw e;
        }
    }

    private void publish(List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer,
            List<ProducerRecord<byte[], byte[]>> outgoing, List<ChangeEnvelope> envelopes, List<Span> spans)
            throws InterruptedException {
        for (RecordChangeEvent<SourceRecord> event : records) {
            SourceRecord record = event.record();
            if (!EnvelopeMapper.isRowChange(record)) {
                ProducerRecord<byte[], byte[]> routed = routed(record);
                if (routed != null) {
                    outgoing.add(routed);
                    envelopes.add(null);
                    spans.add(null);
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
            Span span = startSpan(envelope, topic);
            spans.add(span);
            KafkaTraceHeaders.inject(Context.root().with(span), headers);
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
            if (spans.get(i) != null) {
                spans.get(i).end(); // acknowledged by Kafka
            }
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

    /** The PRODUCER span of one row change, ended when Kafka acknowledges it. */
    private Span startSpan(ChangeEnvelope envelope, String topic) {
        GenericRecord source = (GenericRecord) envelope.value().get("source");
        Object lsn = source == null || source.getSchema().getField("lsn") == null ? null : source.get("lsn");
        var span = tracer.spanBuilder("capture " + envelope.table().qualified())
                .setSpanKind(SpanKind.PRODUCER)
                .setNoParent()
                .setAttribute("tributary.event_id", envelope.eventId())
                .setAttribute("tributary.table", envelope.table().qualified())
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic);
        if (lsn instanceof Number n) {
            span.setAttribute("tributary.lsn", n.longValue());
        }
        return span.startSpan();
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
