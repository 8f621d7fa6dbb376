package io.tributary.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Avro parsing with Apicurio references and the COMPATIBILITY rule, using Avro's own
 * {@link SchemaCompatibility} (reader/writer resolution), as the real registry does.
 */
final class AvroRules {

    private AvroRules() {
    }

    /** The values of the COMPATIBILITY rule's {@code config}, as in Apicurio Registry. */
    enum Compatibility {
        NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

        static Compatibility parse(String config) {
            try {
                return valueOf(config.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw RegistryException.badRequest("Invalid COMPATIBILITY rule config '" + config
                        + "': expected one of " + List.of(values()));
            }
        }

        boolean transitive() {
            return name().endsWith("_TRANSITIVE");
        }

        /** The new version must read data written with the existing version(s). */
        boolean backward() {
            return name().startsWith("BACKWARD") || name().startsWith("FULL");
        }

        /** The existing version(s) must read data written with the new version. */
        boolean forward() {
            return name().startsWith("FORWARD") || name().startsWith("FULL");
        }
    }

    /**
     * Parses {@code content}; named types it uses but does not define must be among {@code references}
     * (the already parsed schemas of its Apicurio references).
     */
    static Schema parse(String content, Collection<Schema> references) {
        Schema.Parser parser = new Schema.Parser();
        parser.addTypes(namedTypes(references).values());
        return parser.parse(content);
    }

    /**
     * The normalised JSON form used for canonical hashes and {@code canonical=true} look-ups: Avro's own
     * rendering, with types that come from references written by name only.
     */
    static String canonical(Schema schema, Collection<Schema> references) {
        return schema.toString(namedTypes(references).values(), false);
    }

    /**
     * Checks {@code candidate} against the existing versions of an artifact (oldest first) and returns one
     * cause per incompatibility; an empty list means the candidate is accepted.
     */
    static List<Api.RuleViolationCause> check(Compatibility level, Schema candidate, List<Schema> existing) {
        if (level == Compatibility.NONE || existing.isEmpty()) {
            return List.of();
        }
        List<Schema> against = level.transitive() ? existing : List.of(existing.get(existing.size() - 1));
        Set<Api.RuleViolationCause> causes = new LinkedHashSet<>();
        for (Schema old : against) {
            if (level.backward()) {
                collect(candidate, old, causes);
            }
            if (level.forward()) {
                collect(old, candidate, causes);
            }
        }
        return List.copyOf(causes);
    }

    private static void collect(Schema reader, Schema writer, Set<Api.RuleViolationCause> causes) {
        for (Incompatibility i : SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult()
                .getIncompatibilities()) {
            String field = fieldAt(reader, i.getLocation());
            String what = switch (i.getType()) {
                case READER_FIELD_MISSING_DEFAULT_VALUE ->
                    "reader field has no default value and is missing from the writer schema";
                default -> i.getMessage().replace("type: ", "type ");
            };
            String where = field != null ? "field " + field : "at " + i.getLocation();
            causes.add(new Api.RuleViolationCause(where + ": " + what, i.getLocation()));
        }
    }

    /**
     * Follows an Avro compatibility location such as {@code /fields/1/type/1/items} through the reader schema
     * and returns the last field passed, as {@code record.full.Name.field}, or null at the top level.
     */
    static String fieldAt(Schema reader, String location) {
        Schema schema = reader;
        String field = null;
        String[] tokens = location == null ? new String[0] : location.split("/");
        try {
            for (int k = 0; k < tokens.length; k++) {
                String token = tokens[k];
                if (token.isEmpty() || token.equals("type")) {
                    continue;
                }
                if (token.equals("fields") && schema.getType() == Schema.Type.RECORD && k + 1 < tokens.length) {
                    Schema.Field f = schema.getFields().get(Integer.parseInt(tokens[++k]));
                    field = schema.getFullName() + "." + f.name();
                    schema = f.schema();
                } else if (token.equals("items") && schema.getType() == Schema.Type.ARRAY) {
                    schema = schema.getElementType();
                } else if (token.equals("values") && schema.getType() == Schema.Type.MAP) {
                    schema = schema.getValueType();
                } else if (schema.getType() == Schema.Type.UNION && token.chars().allMatch(Character::isDigit)) {
                    schema = schema.getTypes().get(Integer.parseInt(token));
                } else {
                    break;
                }
            }
        } catch (RuntimeException e) {
            // a location we cannot follow: report the field reached so far
        }
        return field;
    }

    /** Every named type (record, enum, fixed) defined in the given schemas, by full name. */
    private static Map<String, Schema> namedTypes(Collection<Schema> schemas) {
        Map<String, Schema> named = new LinkedHashMap<>();
        List<Schema> pending = new ArrayList<>(schemas);
        while (!pending.isEmpty()) {
            Schema s = pending.remove(pending.size() - 1);
            switch (s.getType()) {
                case RECORD -> {
                    if (named.putIfAbsent(s.getFullName(), s) == null) {
                        s.getFields().forEach(f -> pending.add(f.schema()));
                    }
                }
                case ENUM, FIXED -> named.putIfAbsent(s.getFullName(), s);
                case UNION -> pending.addAll(s.getTypes());
                case ARRAY -> pending.add(s.getElementType());
                case MAP -> pending.add(s.getValueType());
                default -> {
                }
            }
        }
        return named;
    }
}
