package io.tributary.capture.envelope;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * PostgreSQL column (as the Debezium PostgreSQL connector describes it in a Kafka Connect schema) to Avro,
 * following schemas/README.md. The connector must run with {@code decimal.handling.mode=precise},
 * {@code time.precision.mode=adaptive_time_microseconds}, {@code binary.handling.mode=bytes} and
 * {@code column.propagate.source.type=.*} (the engine sets them).
 *
 * <p>Values are written in Avro's physical form (decimal as two's-complement bytes at exactly the column's
 * scale, timestamps as longs), so any {@code GenericDatumWriter} writes them without conversions.
 */
public final class TypeMapping {

    /** Debezium's parameter carrying the PostgreSQL type name (column.propagate.source.type). */
    static final String SOURCE_TYPE = "__debezium.source.column.type";
    static final String SOURCE_LENGTH = "__debezium.source.column.length";
    static final String SOURCE_SCALE = "__debezium.source.column.scale";

    /** An Avro type for a column and the function turning the connector's value into the Avro value. */
    public record Mapped(Schema schema, Function<Object, Object> convert) {
    }

    private TypeMapping() {
    }

    /**
     * Maps a Connect field schema. The returned Avro schema is never a union: the caller wraps optional
     * columns in {@code ["null", T]}. {@code column} is used in error messages.
     */
    public static Mapped map(org.apache.kafka.connect.data.Schema connect, String column) {
        String semantic = connect.name();
        Map<String, String> params = connect.parameters() == null ? Map.of() : connect.parameters();
        if (semantic != null) {
            switch (semantic) {
                case "org.apache.kafka.connect.data.Decimal" -> {
                    int scale = Integer.parseInt(params.get("scale"));
                    int precision = precision(params, scale);
                    Schema s = LogicalTypes.decimal(precision, scale).addToSchema(Schema.create(Schema.Type.BYTES));
                    return new Mapped(s, v -> decimalBytes((BigDecimal) v, precision, scale, column));
                }
                case "io.debezium.data.VariableScaleDecimal" -> {
                    // numeric without a declared scale: exact text, since Avro decimals need one scale
                    return new Mapped(Schema.create(Schema.Type.STRING), v -> {
                        Struct s = (Struct) v;
                        byte[] bytes = s.getBytes("value");
                        return new BigDecimal(new BigInteger(bytes), s.getInt32("scale")).toPlainString();
                    });
                }
                case "io.debezium.time.ZonedTimestamp" -> {
                    Schema s = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                    return new Mapped(s, v -> zonedMicros((String) v));
                }
                case "io.debezium.time.MicroTimestamp" -> {
                    return new Mapped(localMicros(), v -> ((Number) v).longValue());
                }
                case "io.debezium.time.Timestamp" -> {
                    return new Mapped(localMicros(), v -> ((Number) v).longValue() * 1000L);
                }
                case "io.debezium.time.NanoTimestamp" -> {
                    return new Mapped(localMicros(), v -> Math.floorDiv(((Number) v).longValue(), 1000L));
                }
                case "org.apache.kafka.connect.data.Timestamp" -> {
                    return new Mapped(localMicros(), v -> ((java.util.Date) v).getTime() * 1000L);
                }
                case "io.debezium.time.Date" -> {
                    return new Mapped(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)), v -> ((Number) v).intValue());
                }
                case "org.apache.kafka.connect.data.Date" -> {
                    return new Mapped(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)),
                            v -> (int) TimeUnit.MILLISECONDS.toDays(((java.util.Date) v).getTime()));
                }
                case "io.debezium.time.MicroTime" -> {
                    return new Mapped(LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG)), v -> ((Number) v).longValue());
                }
                case "io.debezium.time.Time" -> {
                    return new Mapped(LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG)), v -> ((Number) v).longValue() * 1000L);
                }
                case "io.debezium.data.Uuid" -> {
                    return new Mapped(LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING)), Object::toString);
                }
                case "io.debezium.data.Json", "io.debezium.data.Enum", "io.debezium.data.Xml", "io.debezium.time.ZonedTime" -> {
                    return new Mapped(Schema.create(Schema.Type.STRING), Object::toString);
                }
                default -> {
                    // fall through to the physical type
                }
            }
        }
        return switch (connect.type()) {
            case INT8, INT16, INT32 -> new Mapped(Schema.create(Schema.Type.INT), v -> ((Number) v).intValue());
            case INT64 -> new Mapped(Schema.create(Schema.Type.LONG), v -> ((Number) v).longValue());
            case FLOAT32 -> new Mapped(Schema.create(Schema.Type.FLOAT), v -> ((Number) v).floatValue());
            case FLOAT64 -> new Mapped(Schema.create(Schema.Type.DOUBLE), v -> ((Number) v).doubleValue());
            case BOOLEAN -> new Mapped(Schema.create(Schema.Type.BOOLEAN), v -> v);
            case STRING -> new Mapped(Schema.create(Schema.Type.STRING), Object::toString);
            case BYTES -> new Mapped(Schema.create(Schema.Type.BYTES), TypeMapping::bytes);
            case ARRAY -> {
                org.apache.kafka.connect.data.Schema element = connect.valueSchema();
                Mapped inner = map(element, column + "[]");
                Schema elementSchema = element.isOptional() ? nullable(inner.schema()) : inner.schema();
                yield new Mapped(Schema.createArray(elementSchema), v -> {
                    List<?> in = (List<?>) v;
                    List<Object> out = new ArrayList<>(in.size());
                    for (Object e : in) {
                        out.add(e == null ? null : inner.convert().apply(e));
                    }
                    return out;
                });
            }
            // geometry and other structured types: their Connect text form
            case STRUCT, MAP -> new Mapped(Schema.create(Schema.Type.STRING), Object::toString);
        };
    }

    /** {@code ["null", T]}. */
    public static Schema nullable(Schema schema) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }

    private static Schema localMicros() {
        return LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
    }

    private static int precision(Map<String, String> params, int scale) {
        String p = params.get("connect.decimal.precision");
        if (p == null) {
            p = params.get(SOURCE_LENGTH);
        }
        int precision = p == null ? 0 : Integer.parseInt(p);
        // numeric without a declared precision (or money): the widest PostgreSQL allows for a declared one
        return precision > 0 ? Math.max(precision, scale) : Math.max(1000, scale);
    }

    /** The value at exactly {@code scale}, refusing rounding and more than {@code precision} digits. */
    static ByteBuffer decimalBytes(BigDecimal value, int precision, int scale, String column) {
        BigDecimal exact;
        try {
            exact = value.setScale(scale, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("column " + column + ": " + value + " does not fit scale " + scale, e);
        }
        if (exact.precision() > precision) {
            throw new IllegalArgumentException("column " + column + ": " + value + " has more than " + precision + " digits");
        }
        return ByteBuffer.wrap(exact.unscaledValue().toByteArray());
    }

    static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }

    /** {@link #fastZonedMicros}'s answer for a string it leaves to java.time. */
    static final long NOT_FAST = Long.MIN_VALUE;
    /** Nanoseconds per unit of the last of n fraction digits, by n. */
    private static final int[] FRACTION_SCALE = {0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1};

    /**
     * Epoch microseconds of a {@code ZonedTimestamp}: an ISO-8601 date-time with an offset, which Debezium writes as
     * {@code 2026-11-23T10:05:00.123456Z} (or with an offset such as {@code +05:30}, and no fraction when it is zero).
     * That form is read by {@link #fastZonedMicros}: java.time's parser took about a twentieth of the capture-service's
     * CPU at 5k changes/s (a map of parsed fields per value). Anything else goes through java.time, errors included.
     */
    static long zonedMicros(String iso) {
        long fast = fastZonedMicros(iso);
        return fast != NOT_FAST ? fast : micros(OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)} read by hand, or {@link #NOT_FAST} for any other string. */
    static long fastZonedMicros(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_FAST;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || month < 1 || month > 12 || day < 1
                || day > Month.of(month).length(Year.isLeap(year)) || hour > 23 || minute > 59 || second > 59) {
            return NOT_FAST;
        }
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            int length = i - start;
            if (length == 0 || length > 9) {
                return NOT_FAST;
            }
            nanos = digits(s, start, length) * FRACTION_SCALE[length];
        }
        int offsetSeconds;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int offsetHours = digits(s, i + 1, 2);
            int offsetMinutes = digits(s, i + 4, 2);
            if ((offsetHours | offsetMinutes) < 0 || offsetHours > 17 || offsetMinutes > 59) {
                return NOT_FAST;
            }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (s.charAt(i) == '-' ? -1 : 1);
        } else {
            return NOT_FAST;
        }
        long epochSecond = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second
                - offsetSeconds;
        return epochSecond * 1_000_000L + nanos / 1_000;
    }

    /** The decimal number of {@code length} digits at {@code from}, or -1 if one is not a digit. */
    private static int digits(String s, int from, int length) {
        int value = 0;
        for (int i = from; i < from + length; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    static ByteBuffer bytes(Object v) {
        if (v instanceof ByteBuffer b) {
            return b.duplicate();
        }
        return ByteBuffer.wrap((byte[]) v);
    }
}
