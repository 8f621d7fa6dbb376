package io.tributary.processor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import io.tributary.avro.Op;
import io.tributary.avro.Source;
import io.tributary.demo.Customer;
import io.tributary.demo.CustomerChange;
import io.tributary.demo.CustomerKey;
import io.tributary.demo.CustomerSegment;
import io.tributary.demo.CustomerSegmentChange;
import io.tributary.demo.CustomerSegmentKey;
import io.tributary.demo.Order;
import io.tributary.demo.OrderChange;
import io.tributary.demo.OrderKey;

/** Change envelopes of the demo tables, shaped as capture-service publishes them. */
public final class Changes {

    public static final Instant COMMIT = Instant.parse("2026-11-23T10:15:30.123Z");
    private static long lsn = 1000;
    /** Every conversion the generated classes use: an envelope's own model misses its nested rows' ones. */
    private static final org.apache.avro.specific.SpecificData MODEL = new org.apache.avro.specific.SpecificData();

    static {
        MODEL.addLogicalTypeConversion(new org.apache.avro.Conversions.DecimalConversion());
        MODEL.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.TimestampMillisConversion());
        MODEL.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.TimestampMicrosConversion());
        MODEL.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.LocalTimestampMicrosConversion());
        MODEL.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.DateConversion());
    }

    private Changes() {
    }

    public static Source source(String table, Instant ts) {
        return Source.newBuilder().setDatabase("tributary").setSchema$("public").setTable(table).setLsn(++lsn)
                .setTxId(7L).setTsMs(ts).setSnapshot(false).build();
    }

    public static Customer customer(long id, String email, String phone, Integer segment) {
        return Customer.newBuilder().setId(id).setName("name-" + id).setEmail(email).setPhone(phone)
                .setSegmentId(segment).setCreatedAt(COMMIT).setUpdatedAt(COMMIT).build();
    }

    public static CustomerChange customerChange(Op op, Customer row) {
        return customerChange(UUID.randomUUID().toString(), op, row.getId(), op == Op.DELETE ? null : row);
    }

    public static CustomerChange customerChange(String eventId, Op op, long id, Customer after) {
        return CustomerChange.newBuilder().setEventId(eventId).setOp(op).setSource(source("customers", COMMIT))
                .setKey(new CustomerKey(id)).setBefore(null).setAfter(after).build();
    }

    public static CustomerSegmentChange segmentChange(Op op, int id, String name, String tier) {
        CustomerSegment row = op == Op.DELETE ? null
                : CustomerSegment.newBuilder().setId(id).setName(name).setTier(tier).setDiscount(new BigDecimal("5.00"))
                        .build();
        return CustomerSegmentChange.newBuilder().setEventId(UUID.randomUUID().toString()).setOp(op)
                .setSource(source("customer_segments", COMMIT)).setKey(new CustomerSegmentKey(id)).setAfter(row).build();
    }

    public static OrderChange orderChange(Op op, long id, long customerId, String amount, String status) {
        Order row = Order.newBuilder().setId(id).setCustomerId(customerId).setAmount(new BigDecimal(amount))
                .setCurrency("EUR").setStatus(status).setPlacedAt(COMMIT).build();
        return OrderChange.newBuilder().setEventId(UUID.randomUUID().toString()).setOp(op)
                .setSource(source("orders", COMMIT)).setKey(new OrderKey(id)).setAfter(op == Op.DELETE ? null : row)
                .build();
    }

    /** The record as a generic reader sees it after the wire (Utf8 strings, raw logical types). */
    public static GenericRecord generic(SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(record.getSchema(), MODEL).write(record, encoder);
            encoder.flush();
            return new GenericDatumReader<GenericRecord>(record.getSchema())
                    .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
