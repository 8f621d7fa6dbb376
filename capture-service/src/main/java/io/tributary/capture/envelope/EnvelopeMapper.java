package io.tributary.capture.envelope;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import io.tributary.avro.Op;
import io.tributary.avro.Source;

/**
 * Turns a Debezium PostgreSQL change ({@link SourceRecord} with the Debezium envelope) into the
 * schemas/README.md envelope: {@code <Row>Change} {event_id, op, source, key, before, after}.
 *
 * <p>Avro schemas are derived per table from the connector's Connect schema and cached per Connect schema
 * instance (the connector builds a new one when the table changes). Not thread-safe: the engine calls
 * {@code handleBatch} from one thread.
 */
public class EnvelopeMapper {

    /** Debezium's default {@code unavailable.value.placeholder}. */
    public static final String TOAST_PLACEHOLDER = "__debezium_unavailable_value";
    private static final byte[] TOAST_PLACEHOLDER_BYTES = TOAST_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    private final Optional<String> namespace;
    private final Predicate<TableRef> fullRowImage;
    private final Map<org.apache.kafka.connect.data.Schema, Derived> cache = new IdentityHashMap<>();

    /**
     * @param namespace    Avro namespace for every table, or empty for {@code io.tributary.<database>.<schema>}
     * @param fullRowImage whether a table has {@code REPLICA IDENTITY FULL}; only then is {@code before} filled
     */
    public EnvelopeMapper(Optional<String> namespace, Predicate<TableRef> fullRowImage) {
        this.namespace = namespace;
        this.fullRowImage = fullRowImage;
    }

    /** The derived Avro schemas of one table version. */
    public record TableSchemas(Schema key, Schema row, Schema change) {
    }

    /**
     * A column: its Connect field, read by index, and its Avro field, written at the same position (the Avro record
     * has the struct's fields in the struct's order).
     */
    private record Column(Field field, String avroName, TypeMapping.Mapped mapped) {
        String name() {
            return field.name();
        }

        boolean optional() {
            return field.schema().isOptional();
        }

        int position() {
            return field.index();
        }
    }

    private record Derived(org.apache.kafka.connect.data.Schema connectKey, org.apache.kafka.connect.data.Schema connectRow,
            TableSchemas schemas, List<Column> keyColumns, List<Column> rowColumns, boolean fullRowImage) {
    }

    /** True for a row change of a table (not a heartbeat, schema change, transaction or other message). */
    public static boolean isRowChange(SourceRecord record) {
        if (!(record.value() instanceof Struct value)) {
            return false;
        }
        org.apache.kafka.connect.data.Schema schema = value.schema();
        return schema.name() != null && schema.name().endsWith(".Envelope") && schema.field("op") != null
                && schema.field("source") != null;
    }

    /** The table a row change belongs to. */
    public static TableRef tableOf(SourceRecord record) {
        Struct source = ((Struct) record.value()).getStruct("source");
        return new TableRef(source.getString("db"), source.getString("schema"), source.getString("table"));
    }

    public ChangeEnvelope map(SourceRecord record) {
        Struct value = (Struct) record.value();
        TableRef table = tableOf(record);
        if (!(record.key() instanceof Struct keyStruct)) {
            throw new IllegalStateException("table " + table + " has no primary key: the capture-service needs one to key its topic");
        }
        Derived derived = derive(table, keyStruct.schema(), value.schema());
        Struct source = value.getStruct("source");
        String debeziumOp = value.getString("op");
        Op op = switch (debeziumOp) {
            case "c" -> Op.INSERT;
            case "u" -> Op.UPDATE;
            case "d" -> Op.DELETE;
            case "r" -> Op.READ;
            default -> throw new IllegalArgumentException("unsupported Debezium op '" + debeziumOp + "' on " + table);
        };
        String snapshotMarker = snapshotMarker(source.getString("snapshot"));
        Long lsnValue = source.getInt64("lsn");
        long lsn = lsnValue == null ? 0L : lsnValue;
        Long txId = source.getInt64("txId");
        Long tsMs = source.getInt64("ts_ms");

        GenericRecord key = new GenericData.Record(derived.schemas().key());
        for (Column c : derived.keyColumns()) {
            Object v = keyStruct.get(c.field()); // derive checked that the key's schema is this one
            key.put(c.position(), v == null ? null : c.mapped().convert().apply(v));
        }

        GenericRecord src = new GenericData.Record(Source.getClassSchema());
        src.put("database", table.database());
        src.put("schema", table.schema());
        src.put("table", table.table());
        src.put("lsn", lsn);
        src.put("tx_id", txId);
        src.put("ts_ms", tsMs == null ? 0L : tsMs);
        src.put("snapshot", snapshotMarker != null);

        List<String> unchanged = new ArrayList<>();
        GenericRecord after = op == Op.DELETE ? null : row(derived, value.getStruct("after"), unchanged);
        GenericRecord before = derived.fullRowImage() && op != Op.INSERT && op != Op.READ
                ? row(derived, value.getStruct("before"), new ArrayList<>())
                : null;

        String eventId = EventIds.eventId(table, lsn, txId, debeziumOp, snapshotMarker, key);
        GenericRecord change = new GenericData.Record(derived.schemas().change());
        change.put("event_id", eventId);
        change.put("op", new GenericData.EnumSymbol(Op.getClassSchema(), op.name()));
        change.put("source", src);
        change.put("key", key);
        change.put("before", before);
        change.put("after", after);
        return new ChangeEnvelope(table, eventId, key, change, List.copyOf(unchanged));
    }

    /** {@code initial} or {@code incremental} for snapshot reads, null for log changes. */
    static String snapshotMarker(String snapshot) {
        if (snapshot == null || snapshot.equals("false")) {
            return null;
        }
        return snapshot.equals("incremental") ? "incremental" : "initial";
    }

    private GenericRecord row(Derived derived, Struct struct, List<String> unchangedToasted) {
        if (struct == null) {
            return null;
        }
        GenericRecord row = new GenericData.Record(derived.schemas().row());
        // by index and position, not by name: two hash lookups per column were a twentieth of the capture's CPU
        boolean sameSchema = struct.schema() == derived.connectRow();
        for (Column c : derived.rowColumns()) {
            Object v = sameSchema ? struct.get(c.field()) : struct.get(c.name());
            if (v != null && isToastPlaceholder(v)) {
                unchangedToasted.add(c.name());
                row.put(c.position(), c.optional() ? null : emptyOf(derived.schemas().row().getFields().get(c.position()).schema()));
                continue;
            }
            row.put(c.position(), v == null ? null : c.mapped().convert().apply(v));
        }
        return row;
    }

    static boolean isToastPlaceholder(Object v) {
        if (v instanceof String s) {
            return s.equals(TOAST_PLACEHOLDER);
        }
        if (v instanceof byte[] b) {
            return Arrays.equals(b, TOAST_PLACEHOLDER_BYTES);
        }
        if (v instanceof ByteBuffer b) {
            return b.remaining() == TOAST_PLACEHOLDER_BYTES.length && b.duplicate().equals(ByteBuffer.wrap(TOAST_PLACEHOLDER_BYTES));
        }
        if (v instanceof List<?> l) {
            return l.size() == 1 && l.get(0) != null && isToastPlaceholder(l.get(0));
        }
        return false;
    }

    /** The value a NOT NULL column carries when PostgreSQL did not send it (listed in the header). */
    private static Object emptyOf(Schema schema) {
        return switch (schema.getType()) {
            case STRING -> "";
            case BYTES -> ByteBuffer.allocate(0);
            case ARRAY -> List.of();
            default -> throw new IllegalStateException("unchanged TOASTed value in a column of type " + schema);
        };
    }

    /** The schemas for a table version, derived once per Connect schema. */
    public TableSchemas schemasFor(TableRef table, org.apache.kafka.connect.data.Schema keySchema,
            org.apache.kafka.connect.data.Schema envelopeSchema) {
        return derive(table, keySchema, envelopeSchema).schemas();
    }

    private Derived derive(TableRef table, org.apache.kafka.connect.data.Schema keySchema,
            org.apache.kafka.connect.data.Schema envelopeSchema) {
        Derived cached = cache.get(envelopeSchema);
        if (cached != null && cached.connectKey() == keySchema) {
            return cached;
        }
        String ns = namespace.orElseGet(() -> AvroNames.namespace("io.tributary", table.database(), table.schema()));
        String rowName = AvroNames.rowName(table.table());
        org.apache.kafka.connect.data.Schema rowSchema = envelopeSchema.field("after").schema();

        List<Column> rowColumns = columns(rowSchema, table);
        List<Column> keyColumns = columns(keySchema, table);
        Schema row = record(rowName, ns, "A row of " + table.qualified() + ".", rowColumns);
        Schema key = record(rowName + "Key", ns, "Primary key of " + table.qualified() + ".", keyColumns);
        Schema change = Schema.createRecord(rowName + "Change", "A change to a row of " + table.qualified() + ".", ns, false,
                List.of(
                        new Schema.Field("event_id", Schema.create(Schema.Type.STRING),
                                "Deterministic id of the change: the same change always gets the same id."),
                        new Schema.Field("op", Op.getClassSchema()),
                        new Schema.Field("source", Source.getClassSchema()),
                        new Schema.Field("key", key),
                        new Schema.Field("before", TypeMapping.nullable(row),
                                "The row before the change; null for an insert or a snapshot read.", JsonProperties.NULL_VALUE),
                        new Schema.Field("after", TypeMapping.nullable(row), "The row after the change; null for a delete.",
                                JsonProperties.NULL_VALUE)));
        Derived derived = new Derived(keySchema, rowSchema, new TableSchemas(key, row, change), keyColumns, rowColumns,
                fullRowImage.test(table));
        cache.put(envelopeSchema, derived);
        return derived;
    }

    private static List<Column> columns(org.apache.kafka.connect.data.Schema struct, TableRef table) {
        List<Column> columns = new ArrayList<>();
        for (Field f : struct.fields()) {
            TypeMapping.Mapped mapped = TypeMapping.map(f.schema(), table.qualified() + "." + f.name());
            columns.add(new Column(f, AvroNames.avroName(f.name()), mapped));
        }
        return columns;
    }

    private static Schema record(String name, String ns, String doc, List<Column> columns) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Column c : columns) {
            fields.add(c.optional()
                    ? new Schema.Field(c.avroName(), TypeMapping.nullable(c.mapped().schema()), null, JsonProperties.NULL_VALUE)
                    : new Schema.Field(c.avroName(), c.mapped().schema()));
        }
        return Schema.createRecord(name, doc, ns, false, fields);
    }
}
