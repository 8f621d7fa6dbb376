package io.tributary.processor.messaging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

import io.tributary.processor.config.ProcessorConfig.MaskMode;
import io.tributary.processor.view.Masker;
import io.tributary.processor.view.ViewSpec;

/**
 * Keeps masked columns out of the dead-letter topic. A change of a table some view masks is dead-lettered with
 * those columns masked in its {@code before} and {@code after} rows, exactly as the view would mask them (hashed or
 * redacted), and re-encoded with its own schema and registry prefix, so it stays readable with the same
 * deserializer. The raw change stays in its change topic at the offset the dead letter's headers name.
 * <p>
 * A value that cannot be decoded (the poison records of a deserialization failure) cannot be masked: it is kept
 * byte for byte, since it may be the only copy once the change topic's retention passes. A value that decodes but
 * cannot be masked (a masked column of a non-string type that is not nullable) is withheld: sent as null.
 */
final class DeadLetterMasking {

    /** What to send: the value (possibly masked, possibly null) and the columns masked in it. */
    record Result(byte[] value, List<String> maskedColumns, boolean withheld) {
    }

    private final Map<String, Map<String, MaskMode>> masksByTopic = new HashMap<>();
    private final Masker masker;

    /**
     * @param views the configured views; a column masked by any view of a table is masked here, redaction winning
     *        over hashing
     */
    DeadLetterMasking(Collection<ViewSpec> views, Masker masker) {
        this.masker = masker;
        for (ViewSpec view : views) {
            Map<String, MaskMode> masks = masksByTopic.computeIfAbsent(view.sourceTopic(), t -> new HashMap<>());
            view.masks().forEach((column, mode) -> masks.merge(column, mode,
                    (a, b) -> a == MaskMode.REDACT || b == MaskMode.REDACT ? MaskMode.REDACT : MaskMode.HASH));
        }
        masksByTopic.values().removeIf(Map::isEmpty);
    }

    /**
     * The value to dead-letter for this record.
     *
     * @param change the record's value as the pipeline decoded it; null when it failed to deserialize
     */
    Result apply(ChangeRecord record, GenericRecord change) {
        Map<String, MaskMode> masks = masksByTopic.get(record.topic());
        if (masks == null || record.value() == null || change == null) {
            return new Result(record.value(), List.of(), false);
        }
        try {
            Schema schema = change.getSchema();
            byte[] body = encode(schema, change);
            int prefix = record.value().length - body.length;
            if (prefix < 0 || !Arrays.equals(record.value(), prefix, record.value().length, body, 0, body.length)) {
                return new Result(null, List.copyOf(masks.keySet()), true);
            }
            GenericRecord copy = GenericData.get().deepCopy(schema, change);
            TreeSet<String> masked = new TreeSet<>();
            for (String side : List.of("before", "after")) {
                if (schema.getField(side) != null && copy.get(side) instanceof GenericRecord row) {
                    mask(row, masks, masked);
                }
            }
            byte[] maskedBody = encode(schema, copy);
            byte[] value = new byte[prefix + maskedBody.length];
            System.arraycopy(record.value(), 0, value, 0, prefix);
            System.arraycopy(maskedBody, 0, value, prefix, maskedBody.length);
            return new Result(value, List.copyOf(masked), false);
        } catch (RuntimeException | IOException e) {
            // never the raw value of a table with masked columns
            return new Result(null, List.copyOf(masks.keySet()), true);
        }
    }

    private void mask(GenericRecord row, Map<String, MaskMode> masks, TreeSet<String> masked) {
        for (Map.Entry<String, MaskMode> mask : masks.entrySet()) {
            Schema.Field field = row.getSchema().getField(mask.getKey());
            if (field == null) {
                continue;
            }
            Object value = row.get(field.pos());
            if (value == null) {
                continue;
            }
            boolean string = value instanceof CharSequence;
            if (string && mask.getValue() == MaskMode.HASH && masker.canHash()) {
                row.put(field.pos(), masker.hash(value));
            } else if (string) {
                row.put(field.pos(), masker.redactedValue());
            } else if (nullable(field.schema())) {
                row.put(field.pos(), null);
            } else {
                throw new IllegalStateException("column " + mask.getKey() + " can be neither masked nor nulled");
            }
            masked.add(mask.getKey());
        }
    }

    private static boolean nullable(Schema schema) {
        return schema.getType() == Schema.Type.NULL
                || schema.getType() == Schema.Type.UNION && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    private static byte[] encode(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
