package io.tributary.schemas.text;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.StringJoiner;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Renders Avro values (as the generic reader gives them: physical types) as text: how the sink writes rows
 * into Redis, and how reconcile compares PostgreSQL, Redis and the lake.
 */
public final class AvroText {

    private AvroText() {
    }

    /**
     * Text of a value: decimals at their scale ({@code 12.50}), {@code timestamp-*} as ISO-8601 instants,
     * {@code local-timestamp-*} as ISO local date-times, {@code date} as ISO dates, {@code bytes} as Base64,
     * arrays and records as Avro JSON; null stays null.
     */
    public static String render(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (schema.getType() == Schema.Type.UNION) {
            return render(schema.getTypes().get(GenericData.get().resolveUnion(schema, value)), value);
        }
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal decimal && value instanceof ByteBuffer bytes) {
            byte[] array = new byte[bytes.remaining()];
            bytes.duplicate().get(array);
            return new BigDecimal(new BigInteger(array), decimal.getScale()).toPlainString();
        }
        if (value instanceof BigDecimal big) {
            return big.toPlainString();
        }
        if (logical != null && value instanceof Long number) {
            long v = number;
            switch (logical.getName()) {
                case "timestamp-millis":
                    return Instant.ofEpochMilli(v).toString();
                case "timestamp-micros":
                    return Instant.EPOCH.plus(v, ChronoUnit.MICROS).toString();
                case "timestamp-nanos":
                    return Instant.EPOCH.plus(v, ChronoUnit.NANOS).toString();
                case "local-timestamp-millis":
                    return LocalDateTime.ofInstant(Instant.ofEpochMilli(v), ZoneOffset.UTC).toString();
                case "local-timestamp-micros":
                    return LocalDateTime.ofInstant(Instant.EPOCH.plus(v, ChronoUnit.MICROS), ZoneOffset.UTC).toString();
                default:
                    break;
            }
        }
        if (logical != null && "date".equals(logical.getName()) && value instanceof Integer days) {
            return LocalDate.ofEpochDay(days).toString();
        }
        if (value instanceof ByteBuffer bytes) {
            byte[] array = new byte[bytes.remaining()];
            bytes.duplicate().get(array);
            return Base64.getEncoder().encodeToString(array);
        }
        if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                || value instanceof GenericData.EnumSymbol) {
            return value.toString();
        }
        return GenericData.get().toString(value);
    }

    /** The primary key as text: the key record's fields in order, rendered, joined with ':'. */
    public static String primaryKey(GenericRecord key) {
        StringJoiner joiner = new StringJoiner(":");
        for (Schema.Field field : key.getSchema().getFields()) {
            joiner.add(String.valueOf(render(field.schema(), key.get(field.pos()))));
        }
        return joiner.toString();
    }
}
