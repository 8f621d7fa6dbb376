package io.tributary.capture.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** Connect schemas as the Debezium PostgreSQL connector emits them (precise decimals, adaptive micro time) to Avro. */
class TypeMappingTest {

    private static TypeMapping.Mapped map(org.apache.kafka.connect.data.Schema s) {
        return TypeMapping.map(s, "t.c");
    }

    private static org.apache.kafka.connect.data.Schema semantic(String name, SchemaBuilder base) {
        return base.name(name).build();
    }

    @Test
    void integers() {
        assertThat(map(org.apache.kafka.connect.data.Schema.INT16_SCHEMA).schema().getType()).isEqualTo(Schema.Type.INT);
        assertThat(map(org.apache.kafka.connect.data.Schema.INT16_SCHEMA).convert().apply((short) 7)).isEqualTo(7);
        assertThat(map(org.apache.kafka.connect.data.Schema.INT64_SCHEMA).schema().getType()).isEqualTo(Schema.Type.LONG);
    }

    @Test
    void numericWithScale() {
        TypeMapping.Mapped m = map(Decimal.builder(2).parameter("connect.decimal.precision", "12").build());
        assertThat(m.schema().getLogicalType().getName()).isEqualTo("decimal");
        assertThat(m.schema().getObjectProp("precision")).isEqualTo(12);
        assertThat(m.schema().getObjectProp("scale")).isEqualTo(2);
        ByteBuffer b = (ByteBuffer) m.convert().apply(new BigDecimal("12.5"));
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        assertThat(new BigDecimal(new BigInteger(bytes), 2)).isEqualTo(new BigDecimal("12.50"));
    }

    @Test
    void numericWithoutScaleIsExactText() {
        org.apache.kafka.connect.data.Schema vsd = SchemaBuilder.struct().name("io.debezium.data.VariableScaleDecimal")
                .field("scale", org.apache.kafka.connect.data.Schema.INT32_SCHEMA)
                .field("value", org.apache.kafka.connect.data.Schema.BYTES_SCHEMA).build();
        Struct v = new Struct(vsd).put("scale", 3).put("value", new BigInteger("3141").toByteArray());
        assertThat(map(vsd).schema().getType()).isEqualTo(Schema.Type.STRING);
        assertThat(map(vsd).convert().apply(v)).isEqualTo("3.141");
    }

    @Test
    void zonedTimestampsAsDebeziumWritesThemAreReadByHandAndAgreeWithJavaTime() {
        java.util.Random random = new java.util.Random(7);
        List<java.time.ZoneOffset> offsets = List.of(java.time.ZoneOffset.UTC, java.time.ZoneOffset.ofHoursMinutes(5, 30),
                java.time.ZoneOffset.ofHours(-8), java.time.ZoneOffset.ofHoursMinutes(-3, -45), java.time.ZoneOffset.ofHours(14));
        List<String> samples = new java.util.ArrayList<>(List.of("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
                "1969-12-31T23:59:59.5Z", "1970-01-01T00:00:00Z", "2024-02-29T12:00:00.000001+01:00", "2026-11-23T08:11:12.654321Z"));
        for (int i = 0; i < 2000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-2_208_988_800L, 4_102_444_800L), random.nextInt(1_000_000_000));
            java.time.OffsetDateTime at = instant.atOffset(offsets.get(random.nextInt(offsets.size())));
            int unit = (int) Math.pow(10, random.nextInt(10)); // 1..9 fraction digits, or none when it is zero
            java.time.OffsetDateTime truncated = at.withNano(unit == 1_000_000_000 ? 0 : at.getNano() / unit * unit);
            samples.add(io.debezium.time.ZonedTimestamp.toIsoString(truncated, null)); // the connector's own formatter
            samples.add(at.toString()); // java.time's form: a fraction of 3, 6 or 9 digits
        }
        for (String iso : samples) {
            long expected = TypeMapping.micros(java.time.OffsetDateTime.parse(iso, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
            assertThat(TypeMapping.fastZonedMicros(iso)).as(iso).isEqualTo(expected);
            assertThat(TypeMapping.zonedMicros(iso)).as(iso).isEqualTo(expected);
        }
    }

    @Test
    void otherZonedTimestampFormsGoThroughJavaTime() {
        for (String iso : List.of("2026-11-23T08:11Z", "+10000-01-01T00:00:00Z", "2026-11-23T08:11:12+05:30:15",
                "2026-11-23T08:11:12.1234567891Z", "2026-11-23t08:11:12Z")) {
            assertThat(TypeMapping.fastZonedMicros(iso)).as(iso).isEqualTo(TypeMapping.NOT_FAST);
        }
        assertThat(TypeMapping.zonedMicros("2026-11-23T08:11Z")).isEqualTo(TypeMapping.micros(Instant.parse("2026-11-23T08:11:00Z")));
        assertThat(TypeMapping.zonedMicros("2026-11-23T08:11:12+05:30:15"))
                .isEqualTo(TypeMapping.micros(Instant.parse("2026-11-23T08:11:12Z").minusSeconds(5 * 3600 + 30 * 60 + 15)));
        for (String invalid : List.of("2023-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-13-01T00:00:00Z", "infinity")) {
            assertThat(TypeMapping.fastZonedMicros(invalid)).as(invalid).isEqualTo(TypeMapping.NOT_FAST);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TypeMapping.zonedMicros(invalid)).as(invalid)
                    .isInstanceOf(java.time.DateTimeException.class);
        }
    }

    @Test
    void timestamps() {
        TypeMapping.Mapped tz = map(semantic("io.debezium.time.ZonedTimestamp", SchemaBuilder.string()));
        assertThat(tz.schema().getLogicalType().getName()).isEqualTo("timestamp-micros");
        assertThat(tz.convert().apply("2026-11-23T08:11:12.654321Z")).isEqualTo(TypeMapping.micros(Instant.parse("2026-11-23T08:11:12.654321Z")));
        TypeMapping.Mapped local = map(semantic("io.debezium.time.MicroTimestamp", SchemaBuilder.int64()));
        assertThat(local.schema().getLogicalType().getName()).isEqualTo("local-timestamp-micros");
        assertThat(map(semantic("io.debezium.time.Timestamp", SchemaBuilder.int64())).convert().apply(5L)).isEqualTo(5000L);
        TypeMapping.Mapped date = map(semantic("io.debezium.time.Date", SchemaBuilder.int32()));
        assertThat(date.schema().getLogicalType().getName()).isEqualTo("date");
    }

    @Test
    void textLikeTypes() {
        assertThat(map(semantic("io.debezium.data.Uuid", SchemaBuilder.string())).schema().getLogicalType().getName()).isEqualTo("uuid");
        for (String name : List.of("io.debezium.data.Json", "io.debezium.data.Enum")) {
            assertThat(map(semantic(name, SchemaBuilder.string())).schema().getType()).isEqualTo(Schema.Type.STRING);
        }
        assertThat(map(org.apache.kafka.connect.data.Schema.BYTES_SCHEMA).convert().apply(new byte[] { 1, 2 }))
                .isEqualTo(ByteBuffer.wrap(new byte[] { 1, 2 }));
    }

    @Test
    void arraysKeepNullElements() {
        TypeMapping.Mapped m = map(SchemaBuilder.array(org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA).build());
        assertThat(m.schema().getType()).isEqualTo(Schema.Type.ARRAY);
        assertThat(m.schema().getElementType().isNullable()).isTrue();
        assertThat(m.convert().apply(Arrays.asList("a", null))).isEqualTo(Arrays.asList("a", null));
    }
}
