package io.tributary.processor.view;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import io.smallrye.mutiny.Uni;
import io.tributary.processor.config.ProcessorConfig.MaskMode;
import io.tributary.processor.config.ProcessorConfig.MissingPolicy;
import io.tributary.processor.view.ViewSpec.JoinSpec;

/**
 * The transport-independent core: one change envelope in, the view records it becomes out.
 *
 * <p>Any table works: the view schema is derived at run time from the change's writer schema, the view's
 * spec and the reference tables' row schemas, and cached per writer schema. Field order of a view row:
 * the selected columns (renamed, masked), then each join's fields (joins by name), then derived columns
 * (by name). A masked column's raw value never reaches the output, a log line or an exception message.
 *
 * <p>Failures: {@link TransformException} is permanent (the caller dead-letters the change);
 * {@link ReferenceUnavailableException} (reference table still loading) is transient and left to the caller
 * to retry. A join with {@code on-missing=retry} waits here, with back-off, up to its {@code retry-for}.
 *
 * <p>Two entry points with the same result: {@link #transform} works now, on the caller's thread, and fails
 * where {@link #process} would wait; {@link #process} is the complete, asynchronous one.
 */
public final class ViewProcessor {

    private static final Schema NULLABLE_STRING = Schema.createUnion(Schema.create(Schema.Type.NULL),
            Schema.create(Schema.Type.STRING));

    private final Map<String, List<ViewSpec>> viewsByTopic = new HashMap<>();
    private final ReferenceData references;
    private final Masker masker;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Map<CacheKey, Compiled> compiled = new ConcurrentHashMap<>();

    public ViewProcessor(Collection<ViewSpec> views, ReferenceData references, Masker masker, Duration initialBackoff,
            Duration maxBackoff) {
        for (ViewSpec view : views) {
            if (view.hashes()) {
                masker.requireKeyFor(view.name());
            }
            viewsByTopic.computeIfAbsent(view.sourceTopic(), t -> new ArrayList<>()).add(view);
        }
        viewsByTopic.values().forEach(list -> list.sort((a, b) -> a.name().compareTo(b.name())));
        this.references = references;
        this.masker = masker;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    /** Every view, by source topic then name. */
    public List<ViewSpec> views() {
        return viewsByTopic.values().stream().flatMap(List::stream).toList();
    }

    /** The masking every view uses. */
    public Masker masker() {
        return masker;
    }

    /** The change topics some view follows. */
    public Set<String> sourceTopics() {
        return viewsByTopic.keySet();
    }

    /** The reference topics some join reads. */
    public Set<String> referenceTopics() {
        Set<String> topics = new TreeSet<>();
        viewsByTopic.values().forEach(list -> list.forEach(v -> v.joins().values()
                .forEach(j -> topics.add(j.referenceTopic()))));
        return topics;
    }

    /**
     * {@link #process} without waiting, for the common case where every reference is at hand: the same view
     * records, or a failure. Where {@code process} would wait for a reference row (a join with
     * {@code on-missing=retry}) this throws {@link ReferenceUnavailableException}; after any failure the caller
     * can hand the change to {@code process}, which decides (waits, retries, or fails for good).
     *
     * @throws TransformException the change can never be transformed
     * @throws ReferenceUnavailableException a reference table is still loading, or a reference row is missing
     *         under {@code on-missing=retry}
     */
    public ViewResult transform(String topic, GenericRecord change) {
        Envelope envelope = Envelope.of(topic, change);
        List<ViewSpec> views = viewsByTopic.getOrDefault(topic, List.of());
        List<ViewRecord> records = new ArrayList<>(views.size());
        for (ViewSpec view : views) {
            Compiled c = compiled(view, envelope);
            Map<String, GenericRecord> rows = new HashMap<>();
            if (!envelope.isDelete()) {
                for (JoinSpec join : view.joins().values()) {
                    rows.put(join.name(), joinedRow(view, join, envelope.after));
                }
            }
            records.add(viewRecord(view, envelope, c, rows));
        }
        return new ViewResult(envelope.eventId, envelope.table, records);
    }

    /**
     * Turns one change read from {@code topic} into its view records (none when no view follows the topic).
     *
     * @param topic the change topic
     * @param change a {@code <Row>Change} envelope
     */
    public Uni<ViewResult> process(String topic, GenericRecord change) {
        return Uni.createFrom().deferred(() -> {
            Envelope envelope = Envelope.of(topic, change);
            List<ViewSpec> views = viewsByTopic.getOrDefault(topic, List.of());
            if (views.isEmpty()) {
                return Uni.createFrom().item(new ViewResult(envelope.eventId, envelope.table, List.of()));
            }
            List<Uni<ViewRecord>> records = views.stream().map(view -> viewRecord(view, envelope)).toList();
            return Uni.join().all(records).andFailFast()
                    .map(list -> new ViewResult(envelope.eventId, envelope.table, list));
        });
    }

    private Uni<ViewRecord> viewRecord(ViewSpec view, Envelope envelope) {
        Compiled c;
        try {
            c = compiled(view, envelope);
        } catch (ReferenceUnavailableException | TransformException e) {
            return Uni.createFrom().failure(e);
        }
        if (envelope.isDelete()) {
            return Uni.createFrom().item(viewRecord(view, envelope, c, Map.of()));
        }
        List<Uni<Map.Entry<String, GenericRecord>>> lookups = new ArrayList<>();
        for (JoinSpec join : view.joins().values()) {
            lookups.add(lookup(view, join, envelope.after).map(row -> Map.entry(join.name(), row == null ? NO_ROW : row)));
        }
        Uni<Map<String, GenericRecord>> joined = lookups.isEmpty()
                ? Uni.createFrom().item(Map.of())
                : Uni.join().all(lookups).andFailFast().map(entries -> {
                    Map<String, GenericRecord> map = new HashMap<>();
                    entries.forEach(e -> map.put(e.getKey(), e.getValue() == NO_ROW ? null : e.getValue()));
                    return map;
                });
        return joined.map(rows -> viewRecord(view, envelope, c, rows));
    }

    /** The view record of the change, its row joined with {@code rows} (a delete has no row). */
    private static ViewRecord viewRecord(ViewSpec view, Envelope envelope, Compiled c, Map<String, GenericRecord> rows) {
        GenericRecord row = envelope.isDelete() ? null : c.row(envelope, rows);
        return new ViewRecord(view.name(), view.viewTopic(), envelope.key, c.envelope(envelope, row), envelope.isDelete());
    }

    /** The row schema of each join's reference table, by join name. */
    private Map<String, Schema> referenceSchemas(ViewSpec view) {
        Map<String, Schema> refSchemas = new LinkedHashMap<>();
        for (JoinSpec join : view.joins().values()) {
            if (!references.loaded(join.referenceTopic())) {
                throw new ReferenceUnavailableException("reference table " + join.referenceTopic() + " is still loading");
            }
            Optional<Schema> schema = references.rowSchema(join.referenceTopic());
            if (schema.isEmpty()) {
                throw new ReferenceUnavailableException(
                        "reference table " + join.referenceTopic() + " has no row yet: its schema is unknown");
            }
            refSchemas.put(join.name(), schema.get());
        }
        return refSchemas;
    }

    /**
     * The view compiled for the change's schema and the reference schemas, compiled once.
     *
     * @throws ReferenceUnavailableException a reference table is still loading or has no row yet
     * @throws TransformException the view's schema cannot be derived
     */
    private Compiled compiled(ViewSpec view, Envelope envelope) {
        Map<String, Schema> refSchemas = referenceSchemas(view);
        try {
            return compiled.computeIfAbsent(new CacheKey(view.name(), envelope.record.getSchema(),
                    List.copyOf(refSchemas.values())), k -> compile(view, envelope.record.getSchema(), refSchemas));
        } catch (AvroRuntimeException e) {
            throw new TransformException("view " + view.name() + ": cannot derive its schema ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * The joined row now, or null for none (no lookup value, or none found under {@code on-missing=emit-nulls});
     * none found under {@code dead-letter} throws {@link TransformException}, under {@code retry}
     * {@link ReferenceUnavailableException}.
     */
    private GenericRecord joinedRow(ViewSpec view, JoinSpec join, GenericRecord row) {
        if (row.getSchema().getField(join.lookupField()) == null) {
            throw notAColumn(view, join);
        }
        Object value = row.get(join.lookupField());
        if (value == null) {
            return null;
        }
        GenericRecord found = references.find(join.referenceTopic(), join.referenceField(), value).orElse(null);
        if (found != null || join.onMissing() == MissingPolicy.EMIT_NULLS) {
            return found;
        }
        throw join.onMissing() == MissingPolicy.DEAD_LETTER ? new TransformException(missing(view, join))
                : new ReferenceUnavailableException(missing(view, join));
    }

    private static final GenericRecord NO_ROW = new GenericData.Record(
            Schema.createRecord("NoRow", null, "io.tributary.processor", false, List.of()));

    /** {@link #joinedRow}, waiting under {@code on-missing=retry} (with back-off, up to its retry-for) for the row. */
    private Uni<GenericRecord> lookup(ViewSpec view, JoinSpec join, GenericRecord row) {
        Uni<GenericRecord> joined = Uni.createFrom().item(() -> joinedRow(view, join, row));
        if (join.onMissing() != MissingPolicy.RETRY) {
            return joined;
        }
        return joined.onFailure(ReferenceUnavailableException.class).retry()
                .withBackOff(initialBackoff, maxBackoff).expireIn(Math.max(1, join.retryFor().toMillis()))
                // expiry surfaces as Mutiny's "Retries exhausted" IllegalStateException
                .onFailure(e -> !(e instanceof TransformException))
                .transform(e -> new TransformException(missing(view, join) + " within " + join.retryFor()));
    }

    private static TransformException notAColumn(ViewSpec view, JoinSpec join) {
        return new TransformException("view " + view.name() + ": lookup field " + join.lookupField()
                + " is not a column of the source row");
    }

    private static String missing(ViewSpec view, JoinSpec join) {
        return "view " + view.name() + ": no row of " + join.referenceTopic() + " matches " + join.lookupField()
                + " (join " + join.name() + ")";
    }

    private Compiled compile(ViewSpec view, Schema changeSchema, Map<String, Schema> refSchemas) {
        Schema rowSchema = nonNull(field(changeSchema, "after", view).schema());
        List<Schema.Field> fields = new ArrayList<>();
        List<Function<Context, Object>> values = new ArrayList<>();

        List<String> columns = view.columns()
                .orElseGet(() -> rowSchema.getFields().stream().map(Schema.Field::name).toList());
        for (String column : columns) {
            Schema.Field source = rowSchema.getField(column);
            if (source == null) {
                throw new TransformException("view " + view.name() + ": column " + column + " is not in "
                        + rowSchema.getFullName());
            }
            MaskMode mask = view.masks().get(column);
            String name = view.renames().getOrDefault(column, column);
            int pos = source.pos();
            if (mask == null) {
                fields.add(new Schema.Field(name, source.schema(), source.doc(), source.defaultVal()));
                values.add(ctx -> ctx.after.get(pos));
            } else if (mask == MaskMode.HASH) {
                fields.add(new Schema.Field(name, NULLABLE_STRING, "HMAC-SHA256 of " + column, JsonProperties.NULL_VALUE));
                values.add(ctx -> {
                    Object v = ctx.after.get(pos);
                    return v == null ? null : masker.hash(v);
                });
            } else if (mask == MaskMode.REDACT) {
                boolean string = nonNull(source.schema()).getType() == Schema.Type.STRING;
                Schema schema = string ? source.schema() : nullable(source.schema());
                fields.add(new Schema.Field(name, schema, "redacted " + column,
                        schema.isNullable() && schema.getTypes().get(0).getType() == Schema.Type.NULL
                                ? JsonProperties.NULL_VALUE : null));
                String redacted = masker.redactedValue();
                values.add(ctx -> string && ctx.after.get(pos) != null ? redacted : null);
            }
            // DROP: not in the view at all
        }
        for (String masked : view.masks().keySet()) {
            if (rowSchema.getField(masked) == null) {
                throw new TransformException("view " + view.name() + ": masked column " + masked + " is not in "
                        + rowSchema.getFullName());
            }
        }

        for (JoinSpec join : view.joins().values()) {
            Schema refSchema = nonNull(refSchemas.get(join.name()));
            for (String entry : join.fields()) {
                String column = JoinSpec.column(entry);
                Schema.Field source = refSchema.getField(column);
                if (source == null) {
                    throw new TransformException("view " + view.name() + ": join " + join.name() + " copies "
                            + column + ", not a column of " + join.referenceTopic());
                }
                int pos = source.pos();
                fields.add(new Schema.Field(JoinSpec.output(entry), nullable(source.schema()),
                        "from " + join.referenceTopic() + " " + column + "; null while the reference is unknown",
                        JsonProperties.NULL_VALUE));
                String joinName = join.name();
                values.add(ctx -> {
                    GenericRecord ref = ctx.joined.get(joinName);
                    return ref == null ? null : ref.get(pos);
                });
            }
        }

        for (Map.Entry<String, String> derived : view.derived().entrySet()) {
            String[] path = derived.getValue().split("\\.");
            Schema schema = changeSchema;
            for (String step : path) {
                Schema.Field f = nonNull(schema).getType() == Schema.Type.RECORD ? nonNull(schema).getField(step) : null;
                if (f == null) {
                    throw new TransformException("view " + view.name() + ": derived " + derived.getKey()
                            + " refers to " + derived.getValue() + ", not in " + changeSchema.getFullName());
                }
                schema = f.schema();
            }
            fields.add(new Schema.Field(derived.getKey(), nullable(schema), "derived from " + derived.getValue(),
                    JsonProperties.NULL_VALUE));
            values.add(ctx -> {
                Object v = ctx.change;
                for (String step : path) {
                    if (!(v instanceof GenericRecord r)) {
                        return null;
                    }
                    v = r.get(step);
                }
                return v;
            });
        }

        String namespace = view.namespace().orElse(rowSchema.getNamespace());
        String name = view.recordName().orElseGet(() -> pascal(view.name()));
        Schema viewSchema = Schema.createRecord(name, "View " + view.name() + " of " + view.sourceTopic(), namespace,
                false, fields);
        Schema envelopeSchema = Schema.createRecord(name + "Change", "A change to the " + view.name() + " view",
                namespace, false, List.of(
                        copy(field(changeSchema, "event_id", view)),
                        copy(field(changeSchema, "op", view)),
                        copy(field(changeSchema, "source", view)),
                        copy(field(changeSchema, "key", view)),
                        new Schema.Field("after", Schema.createUnion(Schema.create(Schema.Type.NULL), viewSchema),
                                "The view row after the change; null for a delete.", JsonProperties.NULL_VALUE)));
        return new Compiled(viewSchema, envelopeSchema, values);
    }

    private static Schema.Field copy(Schema.Field f) {
        return new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal());
    }

    private static Schema.Field field(Schema record, String name, ViewSpec view) {
        Schema.Field f = record.getField(name);
        if (f == null) {
            throw new TransformException("view " + view.name() + ": " + record.getFullName()
                    + " is not a change envelope (no " + name + ")");
        }
        return f;
    }

    static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        List<Schema> types = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
        return types.size() == 1 ? types.get(0) : schema;
    }

    static Schema nullable(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            List<Schema> types = new ArrayList<>();
            types.add(Schema.create(Schema.Type.NULL));
            schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).forEach(types::add);
            return Schema.createUnion(types);
        }
        if (schema.getType() == Schema.Type.NULL) {
            return schema;
        }
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }

    static String pascal(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.split("[_\\-.]+")) {
            if (!part.isEmpty()) {
                out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return out.toString();
    }

    private record CacheKey(String view, Schema change, List<Schema> references) {
    }

    private record Context(GenericRecord change, GenericRecord after, Map<String, GenericRecord> joined) {
    }

    private record Compiled(Schema viewSchema, Schema envelopeSchema, List<Function<Context, Object>> values) {

        GenericRecord row(Envelope envelope, Map<String, GenericRecord> joined) {
            Context ctx = new Context(envelope.record, envelope.after, joined);
            GenericData.Record row = new GenericData.Record(viewSchema);
            for (int i = 0; i < values.size(); i++) {
                row.put(i, values.get(i).apply(ctx));
            }
            return row;
        }

        GenericRecord envelope(Envelope envelope, GenericRecord row) {
            GenericData.Record out = new GenericData.Record(envelopeSchema);
            out.put("event_id", envelope.record.get("event_id"));
            out.put("op", envelope.record.get("op"));
            out.put("source", envelope.record.get("source"));
            out.put("key", envelope.key);
            out.put("after", row);
            return out;
        }
    }

    /** The parts of a change envelope the processor needs, checked once. */
    private record Envelope(GenericRecord record, String eventId, String table, String op, GenericRecord key,
            GenericRecord after) {

        static Envelope of(String topic, GenericRecord change) {
            Schema schema = change.getSchema();
            for (String required : List.of("event_id", "op", "source", "key", "after")) {
                if (schema.getField(required) == null) {
                    throw new TransformException(schema.getFullName() + " from " + topic
                            + " is not a change envelope (no " + required + ")");
                }
            }
            Object eventId = change.get("event_id");
            Object op = change.get("op");
            if (eventId == null || op == null) {
                throw new TransformException("change from " + topic + " has no event_id or op");
            }
            String table = topic;
            if (change.get("source") instanceof GenericRecord source && source.getSchema().getField("table") != null
                    && source.get("table") != null) {
                table = source.get("table").toString();
            }
            if (!(change.get("key") instanceof GenericRecord key)) {
                throw new TransformException("change from " + topic + " has no key record");
            }
            GenericRecord after = change.get("after") instanceof GenericRecord r ? r : null;
            String opName = op.toString();
            if (!"DELETE".equals(opName) && after == null) {
                throw new TransformException(opName + " change from " + topic + " has no after row");
            }
            return new Envelope(change, eventId.toString(), table, opName, key, after);
        }

        boolean isDelete() {
            return "DELETE".equals(op);
        }
    }
}
