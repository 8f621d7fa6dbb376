package io.tributary.sink.view;

import java.time.Instant;
import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import io.opentelemetry.api.trace.SpanContext;

/**
 * One record of a view topic, read: where it came from on Kafka and what the view envelope says
 * ({@code <View>Change}: event_id, op, source, key, after). A tombstone (null value) is never a ViewRecord.
 *
 * @param table the view's name, from the topic (e.g. {@code customer_view} for {@code tributary.view.customer_view})
 * @param viewSchema the {@code <View>} row schema (the non-null branch of {@code after}), known also for a delete
 * @param after the row after the change, null for a delete
 * @param serializedSize bytes the value took on Kafka, for the roll policy
 * @param trace the trace context of the record's {@code traceparent} header (invalid when it has none), which
 *        the sink's spans link to
 */
public record ViewRecord(
        String topic,
        int partition,
        long offset,
        String table,
        String eventId,
        String op,
        long lsn,
        long sourceTsMs,
        GenericRecord key,
        Schema viewSchema,
        GenericRecord after,
        int serializedSize,
        SpanContext trace) {

    public static final String DELETE = "DELETE";

    public ViewRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(eventId, "event_id");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(viewSchema, "viewSchema");
        trace = trace == null ? SpanContext.getInvalid() : trace;
    }

    public boolean isDelete() {
        return after == null;
    }

    public Instant sourceTs() {
        return Instant.ofEpochMilli(sourceTsMs);
    }

    /**
     * Reads a view-topic value.
     *
     * @throws IllegalArgumentException when the value does not have the view envelope's shape
     */
    public static ViewRecord of(String viewTopicPrefix, String topic, int partition, long offset, GenericRecord kafkaKey,
            GenericRecord value, int serializedSize) {
        return of(viewTopicPrefix, topic, partition, offset, kafkaKey, value, serializedSize, SpanContext.getInvalid());
    }

    /** {@link #of(String, String, int, long, GenericRecord, GenericRecord, int)} with the record's trace context. */
    public static ViewRecord of(String viewTopicPrefix, String topic, int partition, long offset, GenericRecord kafkaKey,
            GenericRecord value, int serializedSize, SpanContext trace) {
        Schema schema = value.getSchema();
        for (String field : new String[] { "event_id", "op", "source", "after" }) {
            if (schema.getField(field) == null) {
                throw new IllegalArgumentException("not a view change: " + schema.getFullName() + " has no field '" + field
                        + "' (" + topic + "-" + partition + "@" + offset + ")");
            }
        }
        GenericRecord source = (GenericRecord) value.get("source");
        GenericRecord key = schema.getField("key") != null && value.get("key") != null ? (GenericRecord) value.get("key") : kafkaKey;
        if (key == null) {
            throw new IllegalArgumentException("view change without a key (" + topic + "-" + partition + "@" + offset + ")");
        }
        String table = topic.startsWith(viewTopicPrefix) && topic.length() > viewTopicPrefix.length()
                ? topic.substring(viewTopicPrefix.length())
                : String.valueOf(source.get("table"));
        return new ViewRecord(topic, partition, offset, table, String.valueOf(value.get("event_id")),
                String.valueOf(value.get("op")), asLong(source.get("lsn")), epochMillis(source.get("ts_ms")), key,
                recordBranch(schema.getField("after").schema()), (GenericRecord) value.get("after"), serializedSize, trace);
    }

    /** The record branch of {@code ["null", Record]}, or the schema itself when it is a record. */
    static Schema recordBranch(Schema schema) {
        if (schema.getType() == Schema.Type.RECORD) {
            return schema;
        }
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() == Schema.Type.RECORD) {
                    return branch;
                }
            }
        }
        throw new IllegalArgumentException("'after' must be a record or [null, record], got " + schema);
    }

    private static long asLong(Object value) {
        return ((Number) value).longValue();
    }

    private static long epochMillis(Object value) {
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        return asLong(value);
    }
}
