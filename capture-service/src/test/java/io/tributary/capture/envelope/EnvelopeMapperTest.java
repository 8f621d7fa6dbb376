package io.tributary.capture.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import io.tributary.demo.CustomerSegmentChange;

/** The envelope and the type mapping, on hand-built records shaped like the Debezium PostgreSQL connector's. */
class EnvelopeMapperTest {

    static final org.apache.kafka.connect.data.Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("db", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("schema", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("table", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("snapshot", SchemaBuilder.string().optional().build())
            .field("ts_ms", org.apache.kafka.connect.data.Schema.INT64_SCHEMA)
            .field("txId", org.apache.kafka.connect.data.Schema.OPTIONAL_INT64_SCHEMA)
            .field("lsn", org.apache.kafka.connect.data.Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    static final org.apache.kafka.connect.data.Schema KEY = SchemaBuilder.struct().name("t.public.customer_segments.Key")
            .field("id", org.apache.kafka.connect.data.Schema.INT32_SCHEMA).build();

    static final org.apache.kafka.connect.data.Schema ROW = SchemaBuilder.struct().name("t.public.customer_segments.Value").optional()
            .field("id", org.apache.kafka.connect.data.Schema.INT32_SCHEMA)
            .field("name", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("tier", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
            .field("discount", Decimal.builder(2).parameter("connect.decimal.precision", "5").optional().build())
            .build();

    static final org.apache.kafka.connect.data.Schema ENVELOPE = envelope(ROW);

    static org.apache.kafka.connect.data.Schema envelope(org.apache.kafka.connect.data.Schema row) {
        return SchemaBuilder.struct().name("t.public.customer_segments.Envelope")
                .field("before", row).field("after", row).field("source", SOURCE)
                .field("op", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("ts_ms", org.apache.kafka.connect.data.Schema.OPTIONAL_INT64_SCHEMA).build();
    }

    static SourceRecord record(String op, int id, BigDecimal discount, long lsn, String snapshot) {
        Struct key = new Struct(KEY).put("id", id);
        Struct row = new Struct(ROW).put("id", id).put("name", "Gold").put("tier", "A").put("discount", discount);
        Struct source = new Struct(SOURCE).put("db", "tributary").put("schema", "public").put("table", "customer_segments")
                .put("snapshot", snapshot).put("ts_ms", 1_700_000_000_000L).put("txId", 42L).put("lsn", lsn);
        Struct value = new Struct(ENVELOPE).put("after", op.equals("d") ? null : row).put("source", source).put("op", op);
        return new SourceRecord(Map.of(), Map.of(), "t.public.customer_segments", KEY, key, ENVELOPE, value);
    }

    final EnvelopeMapper mapper = new EnvelopeMapper(Optional.of("io.tributary.demo"), t -> false);

    @Test
    void derivedSchemaIsTheDemoSchema() {
        ChangeEnvelope e = mapper.map(record("c", 1, new BigDecimal("12.5"), 100, "false"));
        Schema derived = e.value().getSchema();
        assertThat(derived.getFullName()).isEqualTo("io.tributary.demo.CustomerSegmentChange");
        // the registry-relevant part: the demo's generated class and the derived schema read each other
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(CustomerSegmentChange.getClassSchema(), derived).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(derived, CustomerSegmentChange.getClassSchema()).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void envelopeFields() {
        ChangeEnvelope e = mapper.map(record("c", 1, new BigDecimal("12.5"), 100, "false"));
        GenericRecord v = e.value();
        assertThat(v.get("op").toString()).isEqualTo("INSERT");
        GenericRecord source = (GenericRecord) v.get("source");
        assertThat(source.get("lsn")).isEqualTo(100L);
        assertThat(source.get("tx_id")).isEqualTo(42L);
        assertThat(source.get("snapshot")).isEqualTo(false);
        assertThat(((GenericRecord) v.get("key")).get("id")).isEqualTo(1);
        ByteBuffer discount = (ByteBuffer) ((GenericRecord) v.get("after")).get("discount");
        assertThat(new BigDecimal(new BigInteger(bytes(discount)), 2)).isEqualTo(new BigDecimal("12.50"));
        assertThat(v.get("before")).isNull();
        assertThat(e.eventId()).hasSize(64).isEqualTo(v.get("event_id"));
    }

    @Test
    void deleteHasNoAfterAndReadIsASnapshot() {
        assertThat(mapper.map(record("d", 1, null, 100, "false")).value().get("after")).isNull();
        GenericRecord read = mapper.map(record("r", 1, null, 100, "true")).value();
        assertThat(read.get("op").toString()).isEqualTo("READ");
        assertThat(((GenericRecord) read.get("source")).get("snapshot")).isEqualTo(true);
    }

    @Test
    void eventIdIsStableForTheSameChangeAndDiffersOtherwise() {
        String id = mapper.map(record("c", 1, null, 100, "false")).eventId();
        assertThat(new EnvelopeMapper(Optional.empty(), t -> false).map(record("c", 1, null, 100, "false")).eventId())
                .as("re-delivered after a restart, by a fresh mapper").isEqualTo(id);
        assertThat(mapper.map(record("c", 2, null, 100, "false")).eventId()).as("other key, same LSN (COPY)").isNotEqualTo(id);
        assertThat(mapper.map(record("c", 1, null, 101, "false")).eventId()).as("other LSN").isNotEqualTo(id);
        assertThat(mapper.map(record("u", 1, null, 100, "false")).eventId()).as("other op").isNotEqualTo(id);
        String initial = mapper.map(record("r", 1, null, 100, "true")).eventId();
        assertThat(mapper.map(record("r", 1, null, 100, "last")).eventId()).as("every initial-snapshot marker is one snapshot").isEqualTo(initial);
        assertThat(mapper.map(record("r", 1, null, 100, "incremental")).eventId()).as("incremental vs initial").isNotEqualTo(initial);
    }

    @Test
    void decimalsAreExactAtTheColumnScale() {
        assertThatThrownBy(() -> mapper.map(record("c", 1, new BigDecimal("1.234"), 100, "false")))
                .hasMessageContaining("discount").hasMessageContaining("scale 2");
        assertThatThrownBy(() -> mapper.map(record("c", 1, new BigDecimal("123456.7"), 100, "false")))
                .hasMessageContaining("more than 5 digits");
    }

    @Test
    void schemasAreCachedPerConnectSchemaAndRederivedWhenItChanges() {
        Schema first = mapper.map(record("c", 1, null, 100, "false")).value().getSchema();
        assertThat(mapper.map(record("c", 2, null, 101, "false")).value().getSchema()).isSameAs(first);
        org.apache.kafka.connect.data.Schema wider = SchemaBuilder.struct().name("t.public.customer_segments.Value").optional()
                .field("id", org.apache.kafka.connect.data.Schema.INT32_SCHEMA)
                .field("nickname", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema second = mapper.schemasFor(new TableRef("tributary", "public", "customer_segments"), KEY, envelope(wider)).change();
        assertThat(second).isNotSameAs(first);
        assertThat(second.getField("after").schema().getTypes().get(1).getField("nickname").schema().isNullable()).isTrue();
    }

    @Test
    void unchangedToastPlaceholderIsRecognised() {
        assertThat(EnvelopeMapper.isToastPlaceholder("__debezium_unavailable_value")).isTrue();
        assertThat(EnvelopeMapper.isToastPlaceholder("__debezium_unavailable_value".getBytes())).isTrue();
        assertThat(EnvelopeMapper.isToastPlaceholder(List.of("__debezium_unavailable_value"))).isTrue();
        assertThat(EnvelopeMapper.isToastPlaceholder("text")).isFalse();
    }

    @Test
    void namingRule() {
        assertThat(AvroNames.rowName("customers")).isEqualTo("Customer");
        assertThat(AvroNames.rowName("customer_segments")).isEqualTo("CustomerSegment");
        assertThat(AvroNames.rowName("orders")).isEqualTo("Order");
        assertThat(AvroNames.rowName("categories")).isEqualTo("Category");
        assertThat(AvroNames.rowName("address")).isEqualTo("Address");
        assertThat(AvroNames.rowName("status")).isEqualTo("Status");
        assertThat(AvroNames.avroName("1st-col")).isEqualTo("_1st_col");
        assertThat(AvroNames.namespace("io.tributary", "My-DB", "public")).isEqualTo("io.tributary.my_db.public");
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
