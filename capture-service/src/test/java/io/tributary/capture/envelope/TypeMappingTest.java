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
