package io.tributary.processor.messaging;

import static io.tributary.processor.Changes.customer;
import static io.tributary.processor.Changes.customerChange;
import static io.tributary.processor.Changes.generic;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import io.tributary.avro.Op;
import io.tributary.processor.config.ProcessorConfig.MaskMode;
import io.tributary.processor.view.Masker;
import io.tributary.processor.view.ViewSpec;

/** No raw value of a masked column reaches the dead-letter topic, and what is sent still decodes. */
class DeadLetterMaskingTest {

    static final String CUSTOMERS = "tributary.public.customers";
    static final byte[] PREFIX = { 0, 0, 0, 0, 0, 0, 0, 0, 42 };

    final Masker masker = new Masker(Optional.of("test-key"), "***");
    final ViewSpec view = new ViewSpec("customer_view", CUSTOMERS, "tributary.view.customer_view", Optional.empty(),
            Optional.empty(), Optional.of(List.of("id", "name", "email", "phone")), Map.of(),
            Map.of("email", MaskMode.HASH, "phone", MaskMode.REDACT), new TreeMap<>(), new TreeMap<>());

    static byte[] wire(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(PREFIX);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    static GenericRecord unwire(byte[] value, org.apache.avro.Schema schema) throws IOException {
        return new GenericDatumReader<GenericRecord>(schema).read(null,
                DecoderFactory.get().binaryDecoder(value, PREFIX.length, value.length - PREFIX.length, null));
    }

    DeadLetterMasking masking() {
        return new DeadLetterMasking(List.of(view), masker);
    }

    @Test
    void maskedColumnsAreMaskedInBothRowsAndTheRestIsKept() throws IOException {
        GenericRecord change = generic(customerChange(Op.UPDATE, customer(7, "ann@example.com", "+33 6 12 34 56 78", 3)));
        GenericRecord before = generic(customer(7, "old@example.com", "+33 1 00 00 00 00", 3));
        change.put("before", before);
        byte[] raw = wire(change);
        var record = new ChangeRecord(CUSTOMERS, 0, 5, "k".getBytes(StandardCharsets.UTF_8), raw, null);

        DeadLetterMasking.Result result = masking().apply(record, change);

        assertThat(result.withheld()).isFalse();
        assertThat(result.maskedColumns()).containsExactly("email", "phone");
        String text = new String(result.value(), StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("ann@example.com", "old@example.com", "+33 6 12 34 56 78", "+33 1 00 00 00 00");
        assertThat(java.util.Arrays.copyOf(result.value(), PREFIX.length)).isEqualTo(PREFIX);
        GenericRecord sent = unwire(result.value(), change.getSchema());
        GenericRecord after = (GenericRecord) sent.get("after");
        assertThat(after.get("email").toString()).isEqualTo(masker.hash("ann@example.com"));
        assertThat(after.get("phone").toString()).isEqualTo("***");
        assertThat(after.get("name").toString()).isEqualTo(((GenericRecord) change.get("after")).get("name").toString());
        assertThat(((GenericRecord) sent.get("before")).get("email").toString()).isEqualTo(masker.hash("old@example.com"));
        assertThat(sent.get("event_id").toString()).isEqualTo(change.get("event_id").toString());
    }

    @Test
    void tablesWithoutMaskedColumnsAndUndecodableValuesAreSentAsRead() throws IOException {
        GenericRecord change = generic(customerChange(Op.INSERT, customer(9, "eve@example.com", null, 3)));
        byte[] raw = wire(change);
        var other = new ChangeRecord("tributary.public.orders", 0, 1, null, raw, null);
        assertThat(masking().apply(other, change).value()).isSameAs(raw);
        byte[] poison = "this is not avro".getBytes(StandardCharsets.UTF_8);
        var undecodable = new ChangeRecord(CUSTOMERS, 0, 1, null, poison, null);
        assertThat(masking().apply(undecodable, null).value()).isSameAs(poison);
    }

    @Test
    void aValueThatDoesNotReEncodeToItsOwnBytesIsWithheld() throws IOException {
        GenericRecord change = generic(customerChange(Op.INSERT, customer(8, "bob@example.com", null, 3)));
        byte[] raw = wire(change);
        raw[raw.length - 1] ^= 0x7f; // not what the decoded record encodes to: the prefix cannot be trusted
        var record = new ChangeRecord(CUSTOMERS, 0, 5, null, raw, null);

        DeadLetterMasking.Result result = masking().apply(record, change);

        assertThat(result.withheld()).isTrue();
        assertThat(result.value()).isNull();
    }
}
