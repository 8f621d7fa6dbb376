package io.tributary.sink.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.sink.testing.Views;

class ViewConsumerTest {

    private static final String TOPIC = Views.CUSTOMER_TOPIC;
    private static final Schema ROW = SchemaBuilder.record("Row").fields().requiredLong("id").endRecord();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ViewConsumer consumer = new ViewConsumer(null, registry);

    private static ConsumerRecord<GenericRecord, GenericRecord> at(long offset, GenericRecord value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, Views.customerKey(offset), value);
    }

    @Test
    void aValueWithoutTheEnvelopeIsCountedAndSkippedAndTombstonesLeftOut() {
        Schema notAView = SchemaBuilder.record("Other").fields().requiredString("event_id").endRecord();
        List<ConsumerRecord<GenericRecord, GenericRecord>> consumed = List.of(
                at(0, new GenericRecordBuilder(notAView).set("event_id", "x").build()),
                at(1, null),
                at(2, Views.customerChange("e2", "INSERT", 2, 1000, 2, Views.customer(2, "n", null, null, null))));
        assertThat(consumer.read(consumed, "tributary.view.")).singleElement()
                .satisfies(record -> assertThat(record.eventId()).isEqualTo("e2"));
        assertThat(registry.get("tributary.sink.records.invalid").tag("topic", TOPIC).counter().count()).isEqualTo(1);
    }

    @Test
    void anyOtherErrorIsNotSkippedSilently() {
        Schema odd = SchemaBuilder.record("OddChange").fields().requiredString("event_id").requiredString("op")
                .requiredString("source").name("after").type().optional().type(ROW).endRecord();
        GenericRecord value = new GenericRecordBuilder(odd).set("event_id", "x").set("op", "INSERT").set("source", "oops")
                .set("after", null).build();
        assertThatThrownBy(() -> consumer.read(List.of(at(0, value)), "tributary.view."))
                .isInstanceOf(ClassCastException.class);
        assertThat(registry.find("tributary.sink.records.invalid").counter()).isNull();
    }
}
