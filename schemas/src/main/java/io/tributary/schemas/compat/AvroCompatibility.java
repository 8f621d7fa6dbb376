package io.tributary.schemas.compat;

import static java.util.stream.Collectors.joining;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Field;
import org.apache.avro.Schema.Type;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Compares two versions of an Avro schema and explains every incompatibility by the field it is about, for example
 * {@code io.tributary.demo.Customer.segment_id: type changed from int to string (reader type: STRING not compatible
 * with writer type: INT)}.
 * <p>
 * The verdict is Avro's own ({@link SchemaCompatibility#checkReaderWriterCompatibility}); this class only turns its
 * JSON-pointer locations ({@code /fields/4/type/1}) into field paths. Avro reports a mismatch inside a record that sits
 * in a union only as a missing union branch; such a branch is checked again on its own so that the message names the
 * nested field. A field inside a nested record is named after that record, followed by where it was reached:
 * {@code io.tributary.demo.Customer.segment_id (in io.tributary.demo.CustomerChange.after)}.
 * <p>
 * Avro's check ignores logical types. A change of logical type on the same physical type (a decimal whose scale
 * changes or whose precision shrinks, timestamp-millis to timestamp-micros, ...) makes the same bytes mean something
 * else, so it is reported as a problem too.
 */
public final class AvroCompatibility {

    private enum Direction {
        /** The current schema reads data written with the previous one. */
        BACKWARD,
        /** The previous schema reads data written with the current one. */
        FORWARD
    }

    private AvroCompatibility() {
    }

    /**
     * Problems that stop {@code current}, as the reader, from reading data written with {@code previous}
     * (the BACKWARD rule: consumers upgrade first).
     *
     * @return one readable line per problem, each starting with the field path; empty when compatible
     */
    public static List<String> checkBackward(Schema previous, Schema current) {
        return check(current, previous, Direction.BACKWARD);
    }

    /**
     * Problems that stop readers still on {@code previous} from reading data written with {@code current}
     * (the FORWARD rule: producers upgrade first).
     *
     * @return one readable line per problem, each starting with the field path; empty when compatible
     */
    public static List<String> checkForward(Schema previous, Schema current) {
        return check(previous, current, Direction.FORWARD);
    }

    /** Both {@link #checkBackward} and {@link #checkForward}. */
    public static List<String> checkFull(Schema previous, Schema current) {
        Set<String> problems = new LinkedHashSet<>(checkBackward(previous, current));
        problems.addAll(checkForward(previous, current));
        return List.copyOf(problems);
    }

    private static List<String> check(Schema reader, Schema writer, Direction direction) {
        Set<String> problems = new LinkedHashSet<>();
        Position root = Position.root(reader);
        collect(reader, writer, root, direction, problems);
        collectLogicalTypeChanges(reader, writer, root, direction, problems, new IdentityHashMap<>());
        return List.copyOf(problems);
    }

    private static void collect(Schema reader, Schema writer, Position start, Direction direction,
            Set<String> problems) {
        List<Incompatibility> incompatibilities = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult().getIncompatibilities();
        for (Incompatibility incompatibility : incompatibilities) {
            Walk walk = new Walk(start, reader, writer);
            try {
                walk.follow(incompatibility.getLocation());
            } catch (RuntimeException e) {
                problems.add(start.label() + " at " + incompatibility.getLocation() + ": "
                        + incompatibility.getType() + " (" + incompatibility.getMessage() + ")");
                continue;
            }
            if (incompatibility.getType() == SchemaCompatibility.SchemaIncompatibilityType.MISSING_UNION_BRANCH
                    && recheckBranch(walk, direction, problems)) {
                continue;
            }
            problems.add(walk.position.label() + ": " + explain(incompatibility, walk, direction));
        }
    }

    /**
     * Avro checks a writer branch against a reader union with a fresh location and keeps only "reader union lacking
     * writer type"; when the union holds a branch of the same name (or the same array or map kind), check that pair
     * on its own to name the field inside it.
     */
    private static boolean recheckBranch(Walk walk, Direction direction, Set<String> problems) {
        Schema writer = walk.writer;
        if (writer == null || writer.getType() == Type.UNION) {
            return false;
        }
        Schema reader = walk.reader.getType() == Type.UNION ? matchingBranch(walk.reader, writer) : walk.reader;
        if (reader == null || !isComposite(reader)) {
            return false;
        }
        int before = problems.size();
        collect(reader, writer, walk.position.enter(reader), direction, problems);
        return problems.size() > before;
    }

    private static String explain(Incompatibility incompatibility, Walk walk, Direction direction) {
        boolean backward = direction == Direction.BACKWARD;
        Schema previous = backward ? walk.declaredWriter : walk.declaredReader;
        Schema current = backward ? walk.declaredReader : walk.declaredWriter;
        String avroSays = incompatibility.getMessage();
        return switch (incompatibility.getType()) {
            case READER_FIELD_MISSING_DEFAULT_VALUE -> backward
                    ? "added without a default value (data written with the previous schema has no value for it)"
                    : "removed, but the previous schema gives it no default value"
                            + " (readers still on the previous schema cannot fill it)";
            case TYPE_MISMATCH, MISSING_UNION_BRANCH ->
                "type changed from " + describe(previous) + " to " + describe(current) + " (" + avroSays + ")";
            case MISSING_ENUM_SYMBOLS -> backward
                    ? "symbols " + avroSays + " removed from enum " + walk.reader.getFullName()
                            + ", which has no default symbol (data written with the previous schema may hold them)"
                    : "symbols " + avroSays + " added to enum " + walk.writer.getFullName()
                            + ", which has no default symbol in the previous schema"
                            + " (readers still on the previous schema cannot read them)";
            case NAME_MISMATCH -> "name changed from " + nameOf(backward ? walk.writer : walk.reader) + " to "
                    + nameOf(backward ? walk.reader : walk.writer) + " with no alias for the old name";
            case FIXED_SIZE_MISMATCH -> {
                Schema old = backward ? walk.writer : walk.reader;
                Schema now = backward ? walk.reader : walk.writer;
                yield "size of fixed " + now.getFullName() + " changed from " + old.getFixedSize() + " to "
                        + now.getFixedSize();
            }
            default -> incompatibility.getType() + " (" + avroSays + ")";
        };
    }

    /**
     * Avro's check reads a long as a long whatever its logical type; report the changes of logical type that make
     * the same encoded value mean something else.
     */
    private static void collectLogicalTypeChanges(Schema reader, Schema writer, Position position, Direction direction,
            Set<String> problems, Map<Schema, Set<Schema>> inProgress) {
        if (writer.getType() == Type.UNION) {
            for (Schema writerBranch : writer.getTypes()) {
                Schema readerBranch = reader.getType() == Type.UNION ? matchingBranch(reader, writerBranch) : reader;
                if (readerBranch != null && readerBranch.getType() == writerBranch.getType()) {
                    collectLogicalTypeChanges(readerBranch, writerBranch, position.enter(readerBranch), direction,
                            problems, inProgress);
                }
            }
            return;
        }
        if (reader.getType() == Type.UNION) {
            Schema readerBranch = matchingBranch(reader, writer);
            if (readerBranch != null) {
                collectLogicalTypeChanges(readerBranch, writer, position.enter(readerBranch), direction, problems,
                        inProgress);
            }
            return;
        }
        if (reader.getType() != writer.getType()) {
            return;
        }
        switch (reader.getType()) {
            case RECORD -> {
                Set<Schema> writersInProgress = inProgress.computeIfAbsent(reader,
                        r -> Collections.newSetFromMap(new IdentityHashMap<>()));
                if (!writersInProgress.add(writer)) {
                    return; // a recursive type, already being compared further up
                }
                for (Field readerField : reader.getFields()) {
                    Field writerField = SchemaCompatibility.lookupWriterField(writer, readerField);
                    if (writerField != null) {
                        collectLogicalTypeChanges(readerField.schema(), writerField.schema(),
                                position.field(readerField.name()).enter(readerField.schema()), direction, problems,
                                inProgress);
                    }
                }
                writersInProgress.remove(writer);
            }
            case ARRAY -> collectLogicalTypeChanges(reader.getElementType(), writer.getElementType(),
                    position.suffix("[]").enter(reader.getElementType()), direction, problems, inProgress);
            case MAP -> collectLogicalTypeChanges(reader.getValueType(), writer.getValueType(),
                    position.suffix("{}").enter(reader.getValueType()), direction, problems, inProgress);
            default -> {
                LogicalType read = reader.getLogicalType();
                LogicalType written = writer.getLogicalType();
                if (read != null && written != null && !readsSameValue(read, written)) {
                    boolean backward = direction == Direction.BACKWARD;
                    problems.add(position.label() + ": logical type changed from "
                            + describe(backward ? writer : reader) + " to " + describe(backward ? reader : writer)
                            + " (the same encoded value would mean something else)");
                }
            }
        }
    }

    private static boolean readsSameValue(LogicalType read, LogicalType written) {
        if (read instanceof LogicalTypes.Decimal r && written instanceof LogicalTypes.Decimal w) {
            return r.getScale() == w.getScale() && r.getPrecision() >= w.getPrecision();
        }
        return read.getName().equals(written.getName());
    }

    /** The branch of {@code union} that Avro would resolve {@code schema} to: same name, or same unnamed type. */
    private static Schema matchingBranch(Schema union, Schema schema) {
        for (Schema branch : union.getTypes()) {
            if (branch.getType() != schema.getType()) {
                continue;
            }
            if (!isNamed(branch) || SchemaCompatibility.schemaNameEquals(branch, schema)) {
                return branch;
            }
        }
        return null;
    }

    private static boolean isNamed(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> true;
            default -> false;
        };
    }

    private static boolean isComposite(Schema schema) {
        return isNamed(schema) || schema.getType() == Type.ARRAY || schema.getType() == Type.MAP;
    }

    private static String nameOf(Schema schema) {
        return isNamed(schema) ? schema.getFullName() : describe(schema);
    }

    /** A short, readable type: {@code int}, {@code [null, string]}, {@code long (timestamp-micros)}. */
    static String describe(Schema schema) {
        if (schema == null) {
            return "nothing";
        }
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getFullName();
            case ARRAY -> "array<" + describe(schema.getElementType()) + ">";
            case MAP -> "map<" + describe(schema.getValueType()) + ">";
            case UNION -> schema.getTypes().stream().map(AvroCompatibility::describe).collect(joining(", ", "[", "]"));
            default -> {
                LogicalType logicalType = schema.getLogicalType();
                if (logicalType == null) {
                    yield schema.getName();
                }
                String detail = logicalType instanceof LogicalTypes.Decimal decimal
                        ? "decimal(" + decimal.getPrecision() + "," + decimal.getScale() + ")"
                        : logicalType.getName();
                yield schema.getName() + " (" + detail + ")";
            }
        };
    }

    /**
     * Where a problem is: the innermost named record, the field path inside it, and the path by which that record
     * was reached from the schema checked.
     */
    private record Position(String record, String relative, String via, String full) {

        static Position root(Schema schema) {
            String name = describe(schema);
            return new Position(name, "", null, name);
        }

        Position field(String name) {
            return new Position(record, relative.isEmpty() ? name : relative + "." + name, via, full + "." + name);
        }

        Position suffix(String suffix) {
            return new Position(record, relative + suffix, via, full + suffix);
        }

        Position enter(Schema schema) {
            if (schema != null && schema.getType() == Type.RECORD && !schema.getFullName().equals(record)) {
                return new Position(schema.getFullName(), "", full, full);
            }
            return this;
        }

        String label() {
            String at = relative.isEmpty() ? record : record + "." + relative;
            return via == null ? at : at + " (in " + via + ")";
        }
    }

    /**
     * Follows an incompatibility location through the reader schema, and the writer schema beside it. Avro's
     * locations name reader fields by position; a bare number is a branch of the writer's union.
     */
    private static final class Walk {
        Position position;
        Schema reader;
        Schema writer;
        /** The types as declared at the field, array items or map values reached, before any union branch. */
        Schema declaredReader;
        Schema declaredWriter;
        private Field readerField;
        private Field writerField;

        Walk(Position start, Schema reader, Schema writer) {
            this.position = start;
            this.reader = reader;
            this.writer = writer;
            this.declaredReader = reader;
            this.declaredWriter = writer;
        }

        void follow(String location) {
            String[] tokens = location.split("/");
            for (int i = 0; i < tokens.length; i++) {
                String token = tokens[i];
                switch (token) {
                    case "", "symbols", "size", "name" -> {
                        // the root, or an attribute of the named type reached
                    }
                    case "fields" -> {
                        readerField = reader.getFields().get(Integer.parseInt(tokens[++i]));
                        writerField = writer != null && writer.getType() == Type.RECORD
                                ? SchemaCompatibility.lookupWriterField(writer, readerField)
                                : null;
                        position = position.field(readerField.name());
                    }
                    case "type" -> declare(readerField.schema(), writerField == null ? null : writerField.schema(), "");
                    case "items" -> declare(reader.getElementType(), writer.getElementType(), "[]");
                    case "values" -> declare(reader.getValueType(), writer.getValueType(), "{}");
                    default -> {
                        // a branch of the writer's union
                        writer = writer.getTypes().get(Integer.parseInt(token));
                        if (reader.getType() == Type.UNION) {
                            Schema branch = matchingBranch(reader, writer);
                            reader = branch == null ? reader : branch;
                        }
                        position = position.enter(reader);
                    }
                }
            }
        }

        private void declare(Schema readerSchema, Schema writerSchema, String suffix) {
            reader = readerSchema;
            writer = writerSchema;
            declaredReader = readerSchema;
            declaredWriter = writerSchema;
            position = (suffix.isEmpty() ? position : position.suffix(suffix)).enter(readerSchema);
        }
    }
}
