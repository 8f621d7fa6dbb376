package io.tributary.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;

import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import io.tributary.avro.Op;
import io.tributary.avro.Source;

/** The generated classes survive Avro binary encoding: logical types, nulls and all. */
class ChangeRoundTripTest {

    private static final Instant COMMITTED = Instant.parse("2026-11-23T10:15:30.123Z");

    private static Source source(String table, boolean snapshot) {
        return Source.newBuilder()
                .setDatabase("shop")
                .setSchema$("public")
                .setTable(table)
                .setLsn(24_023_128L)
                .setTxId(snapshot ? null : 771L)
                .setTsMs(COMMITTED)
                .setSnapshot(snapshot)
                .build();
    }

    @Test
    void customerUpdateRoundTrips() throws IOException {
        Customer before = Customer.newBuilder()
                .setId(42L)
                .setName("Ada")
                .setEmail(null)
                .setPhone(null)
                .setSegmentId(null)
                .setCreatedAt(Instant.parse("2026-01-02T03:04:05.123456Z"))
                .setUpdatedAt(Instant.parse("2026-01-02T03:04:05.123456Z"))
                .build();
        Customer after = Customer.newBuilder(before)
                .setEmail("ada@example.com")
                .setPhone("+44 20 7946 0000")
                .setSegmentId(3)
                .setUpdatedAt(Instant.parse("2026-11-23T10:15:30.654321Z"))
                .build();
        CustomerChange change = CustomerChange.newBuilder()
                .setEventId("shop.public.customers:24023128:0")
                .setOp(Op.UPDATE)
                .setSource(source("customers", false))
                .setKey(new CustomerKey(42L))
                .setBefore(before)
                .setAfter(after)
                .build();

        CustomerChange read = roundTrip(change);

        assertThat(read).isEqualTo(change);
        assertThat(read.getAfter().getUpdatedAt()).isEqualTo(Instant.parse("2026-11-23T10:15:30.654321Z"));
        assertThat(read.getBefore().getEmail()).isNull();
        assertThat(read.getSource().getTxId()).isEqualTo(771L);
        assertThat(read.getSource().getTsMs()).isEqualTo(COMMITTED);
    }

    @Test
    void snapshotReadHasNoBefore() throws IOException {
        CustomerChange change = CustomerChange.newBuilder()
                .setEventId("shop.public.customers:snapshot:7")
                .setOp(Op.READ)
                .setSource(source("customers", true))
                .setKey(new CustomerKey(7L))
                .setAfter(Customer.newBuilder()
                        .setId(7L)
                        .setName("Grace")
                        .setCreatedAt(COMMITTED)
                        .setUpdatedAt(COMMITTED)
                        .build())
                .build();

        CustomerChange read = roundTrip(change);

        assertThat(read).isEqualTo(change);
        assertThat(read.getBefore()).isNull();
        assertThat(read.getSource().getTxId()).isNull();
        assertThat(read.getSource().getSnapshot()).isTrue();
    }

    @Test
    void orderAmountKeepsItsDecimalValue() throws IOException {
        Order order = Order.newBuilder()
                .setId(1001L)
                .setCustomerId(42L)
                .setAmount(new BigDecimal("9999999999.99"))
                .setCurrency("EUR")
                .setStatus("PLACED")
                .setPlacedAt(Instant.parse("2026-11-23T10:15:30.000001Z"))
                .build();
        OrderChange change = OrderChange.newBuilder()
                .setEventId("shop.public.orders:24023200:0")
                .setOp(Op.INSERT)
                .setSource(source("orders", false))
                .setKey(new OrderKey(1001L))
                .setAfter(order)
                .build();

        OrderChange read = roundTrip(change);

        assertThat(read).isEqualTo(change);
        assertThat(read.getAfter().getAmount()).isEqualTo(new BigDecimal("9999999999.99"));

        // a consumer without the generated classes sees the decimal as bytes of the unscaled value
        GenericRecord generic = genericRoundTrip(change, OrderChange.getClassSchema());
        GenericRecord after = (GenericRecord) generic.get("after");
        assertThat(new BigDecimal(new BigInteger(((ByteBuffer) after.get("amount")).array()), 2))
                .isEqualTo(new BigDecimal("9999999999.99"));
    }

    @Test
    void decimalIsRescaledOnlyWithoutRounding() throws IOException {
        assertThat(roundTrip(orderChange(new BigDecimal("12.5"))).getAfter().getAmount())
                .isEqualTo(new BigDecimal("12.50"));
        // numeric(12,2): a value needing rounding, or more than 12 digits, is refused, never silently changed
        assertThatThrownBy(() -> roundTrip(orderChange(new BigDecimal("12.345"))))
                .hasRootCauseInstanceOf(AvroTypeException.class);
        assertThatThrownBy(() -> roundTrip(orderChange(new BigDecimal("12345678901.00"))))
                .hasRootCauseInstanceOf(AvroTypeException.class);
    }

    private static OrderChange orderChange(BigDecimal amount) {
        return OrderChange.newBuilder()
                .setEventId("shop.public.orders:1:0")
                .setOp(Op.INSERT)
                .setSource(source("orders", false))
                .setKey(new OrderKey(1L))
                .setAfter(Order.newBuilder()
                        .setId(1L)
                        .setCustomerId(1L)
                        .setAmount(amount)
                        .setCurrency("EUR")
                        .setStatus("PLACED")
                        .setPlacedAt(COMMITTED)
                        .build())
                .build();
    }

    @Test
    void segmentWithAndWithoutDiscountRoundTrips() throws IOException {
        CustomerSegment gold = new CustomerSegment(3, "Gold", "A", new BigDecimal("12.50"));
        CustomerSegment basic = new CustomerSegment(4, "Basic", "C", null);
        CustomerSegmentChange update = CustomerSegmentChange.newBuilder()
                .setEventId("shop.public.customer_segments:1:0")
                .setOp(Op.UPDATE)
                .setSource(source("customer_segments", false))
                .setKey(new CustomerSegmentKey(3))
                .setBefore(basic)
                .setAfter(gold)
                .build();

        assertThat(roundTrip(update)).isEqualTo(update);
    }

    @Test
    void viewDeleteHasNoAfter() throws IOException {
        CustomerViewChange delete = CustomerViewChange.newBuilder()
                .setEventId("shop.public.customers:24023300:0")
                .setOp(Op.DELETE)
                .setSource(source("customers", false))
                .setKey(new CustomerKey(42L))
                .build();
        CustomerViewChange upsert = CustomerViewChange.newBuilder(delete)
                .setOp(Op.UPDATE)
                .setAfter(CustomerView.newBuilder()
                        .setId(42L)
                        .setName("Ada")
                        .setEmailHash("hmac:5f2b")
                        .setPhone("***0000")
                        .setSegmentId(3)
                        .setSegmentName("Gold")
                        .setSegmentTier("A")
                        .setLastSeen(COMMITTED)
                        .build())
                .build();

        assertThat(roundTrip(delete)).isEqualTo(delete);
        assertThat(roundTrip(delete).getAfter()).isNull();
        assertThat(roundTrip(upsert)).isEqualTo(upsert);
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> T roundTrip(T record) throws IOException {
        byte[] bytes = encode(record);
        SpecificDatumReader<T> reader = new SpecificDatumReader<>((Class<T>) record.getClass());
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    private static GenericRecord genericRoundTrip(SpecificRecord record, Schema schema) throws IOException {
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema, schema, new GenericData());
        return reader.read(null, DecoderFactory.get().binaryDecoder(encode(record), null));
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> byte[] encode(T record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>((Class<T>) record.getClass()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
