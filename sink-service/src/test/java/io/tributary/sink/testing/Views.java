package io.tributary.sink.testing;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

import io.tributary.avro.Op;
import io.tributary.avro.Source;
import io.tributary.demo.CustomerKey;
import io.tributary.demo.CustomerViewChange;
import io.tributary.demo.OrderKey;
import io.tributary.sink.view.ViewRecord;

/**
 * View changes as the processor publishes them, as generic records with physical values (what the
 * Apicurio deserializer hands the sink): the demo customer_view, and an order_view with a decimal(12,2)
 * amount and a timestamp-micros column.
 */
public final class Views {

    public static final String CUSTOMER_TOPIC = "tributary.view.customer_view";
    public static final String ORDER_TOPIC = "tributary.view.order_view";

    public static final Schema CUSTOMER_CHANGE = CustomerViewChange.getClassSchema();
    public static final Schema CUSTOMER_VIEW = ViewRecordSchemas.afterOf(CUSTOMER_CHANGE);
    public static final Schema CUSTOMER_KEY = CustomerKey.getClassSchema();

    public static final Schema AMOUNT = LogicalTypes.decimal(12, 2).addToSchema(Schema.create(Schema.Type.BYTES));
    public static final Schema PLACED_AT = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
    public static final Schema ORDER_KEY = OrderKey.getClassSchema();
    public static final Schema ORDER_VIEW = SchemaBuilder.record("OrderView").namespace("io.tributary.test").fields()
            .requiredLong("id")
            .requiredLong("customer_id")
            .name("amount").type(AMOUNT).noDefault()
            .requiredString("currency")
            .optionalString("note")
            .name("placed_at").type(PLACED_AT).noDefault()
            .endRecord();
    public static final Schema ORDER_CHANGE = SchemaBuilder.record("OrderViewChange").namespace("io.tributary.test").fields()
            .requiredString("event_id")
            .name("op").type(Op.getClassSchema()).noDefault()
            .name("source").type(Source.getClassSchema()).noDefault()
            .name("key").type(ORDER_KEY).noDefault()
            .name("after").type(Schema.createUnion(Schema.create(Schema.Type.NULL), ORDER_VIEW)).withDefault(null)
            .endRecord();

    private Views() {
    }

    public static GenericRecord source(String table, long lsn, long tsMs) {
        return new GenericRecordBuilder(Source.getClassSchema())
                .set("database", "tributary").set("schema", "public").set("table", table)
                .set("lsn", lsn).set("tx_id", lsn / 10).set("ts_ms", tsMs).set("snapshot", false).build();
    }

    public static GenericRecord customerKey(long id) {
        return new GenericRecordBuilder(CUSTOMER_KEY).set("id", id).build();
    }

    public static GenericRecord customer(long id, String name, String emailHash, Integer segmentId, Long lastSeenMs) {
        return new GenericRecordBuilder(CUSTOMER_VIEW).set("id", id).set("name", name).set("email_hash", emailHash)
                .set("phone", null).set("segment_id", segmentId).set("segment_name", segmentId == null ? null : "seg-" + segmentId)
                .set("segment_tier", null).set("last_seen", lastSeenMs).build();
    }

    /** A customer_view change; {@code after} null for a delete. */
    public static GenericRecord customerChange(String eventId, String op, long lsn, long tsMs, long id, GenericRecord after) {
        return new GenericRecordBuilder(CUSTOMER_CHANGE).set("event_id", eventId)
                .set("op", new GenericData.EnumSymbol(Op.getClassSchema(), op))
                .set("source", source("customers", lsn, tsMs)).set("key", customerKey(id)).set("after", after).build();
    }

    public static ByteBuffer decimal(String value) {
        BigDecimal decimal = new BigDecimal(value).setScale(2);
        return new Conversions.DecimalConversion().toBytes(decimal, AMOUNT, AMOUNT.getLogicalType());
    }

    public static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    public static GenericRecord order(long id, long customerId, String amount, String note, Instant placedAt) {
        return new GenericRecordBuilder(ORDER_VIEW).set("id", id).set("customer_id", customerId).set("amount", decimal(amount))
                .set("currency", "EUR").set("note", note).set("placed_at", micros(placedAt)).build();
    }

    public static GenericRecord orderChange(String eventId, String op, long lsn, long tsMs, long id, GenericRecord after) {
        return new GenericRecordBuilder(ORDER_CHANGE).set("event_id", eventId)
                .set("op", new GenericData.EnumSymbol(Op.getClassSchema(), op))
                .set("source", source("orders", lsn, tsMs))
                .set("key", new GenericRecordBuilder(ORDER_KEY).set("id", id).build()).set("after", after).build();
    }

    /** A ViewRecord as the consumer would make it from a value at topic-partition@offset. */
    public static ViewRecord record(String topic, int partition, long offset, GenericRecord value) {
        return ViewRecord.of("tributary.view.", topic, partition, offset, null, value, 100);
    }

    public static List<ViewRecord> records(String topic, int partition, long firstOffset, List<GenericRecord> values) {
        return java.util.stream.IntStream.range(0, values.size())
                .mapToObj(i -> record(topic, partition, firstOffset + i, values.get(i))).toList();
    }

    /** Schema helpers. */
    public static final class ViewRecordSchemas {
        private ViewRecordSchemas() {
        }

        public static Schema afterOf(Schema change) {
            return change.getField("after").schema().getTypes().stream()
                    .filter(s -> s.getType() == Schema.Type.RECORD).findFirst().orElseThrow();
        }
    }
}
