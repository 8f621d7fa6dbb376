package io.tributary.processor.view;

import static io.tributary.processor.Changes.customer;
import static io.tributary.processor.Changes.customerChange;
import static io.tributary.processor.Changes.generic;
import static io.tributary.processor.Changes.orderChange;
import static io.tributary.processor.Changes.segmentChange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import io.tributary.avro.Op;
import io.tributary.demo.CustomerView;
import io.tributary.demo.CustomerViewChange;
import io.tributary.processor.config.ProcessorConfig.MaskMode;
import io.tributary.processor.config.ProcessorConfig.MissingPolicy;
import io.tributary.processor.view.ViewSpec.JoinSpec;

class ViewProcessorTest {

    static final String CUSTOMERS = "tributary.public.customers";
    static final String SEGMENTS = "tributary.public.customer_segments";
    static final String ORDERS = "tributary.public.orders";
    static final Duration WAIT = Duration.ofSeconds(5);

    final MapReferenceData refs = new MapReferenceData();
    final Masker masker = new Masker(Optional.of("test-key"), "***");

    static ViewSpec customerView(MissingPolicy policy, Map<String, MaskMode> masks) {
        TreeMap<String, JoinSpec> joins = new TreeMap<>();
        joins.put("segment", new JoinSpec("segment", SEGMENTS, "segment_id", "id", List.of("name:segment_name",
                "tier:segment_tier"), policy, Duration.ofMillis(600)));
        TreeMap<String, String> derived = new TreeMap<>(Map.of("last_seen", "source.ts_ms"));
        return new ViewSpec("customer_view", CUSTOMERS, "tributary.view.customer_view", Optional.empty(),
                Optional.empty(), Optional.of(List.of("id", "name", "email", "phone", "segment_id")),
                Map.of("email", "email_hash"), masks, joins, derived);
    }

    static ViewSpec customerView(MissingPolicy policy) {
        return customerView(policy, Map.of("email", MaskMode.HASH, "phone", MaskMode.REDACT));
    }

    static ViewSpec orderView() {
        TreeMap<String, String> derived = new TreeMap<>(Map.of("committed_at", "source.ts_ms", "lsn", "source.lsn"));
        return new ViewSpec("order_view", ORDERS, "tributary.view.order_view", Optional.empty(), Optional.empty(),
                Optional.of(List.of("id", "customer_id", "amount", "status")), Map.of("status", "order_status"), Map.of(),
                new TreeMap<>(), derived);
    }

    ViewProcessor processor(ViewSpec... views) {
        return new ViewProcessor(List.of(views), refs, masker, Duration.ofMillis(20), Duration.ofMillis(100));
    }

    static <T> T await(io.smallrye.mutiny.Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    void segment(int id, String name, String tier) {
        refs.put(SEGMENTS, (GenericRecord) generic(segmentChange(Op.INSERT, id, name, tier)).get("after"));
    }

    @Test
    void customerViewIsJoinedMaskedAndDerivedAndMatchesTheDemoViewSchema() {
        segment(3, "gold", "A");
        var change = generic(customerChange(Op.INSERT, customer(42, "ann@example.com", "+33 6 12 34 56 78", 3)));

        ViewResult result = await(processor(customerView(MissingPolicy.EMIT_NULLS)).process(CUSTOMERS, change));

        assertThat(result.records()).hasSize(1);
        ViewRecord record = result.records().get(0);
        assertThat(record.topic()).isEqualTo("tributary.view.customer_view");
        assertThat(record.tombstone()).isFalse();
        assertThat(record.key().get("id")).isEqualTo(42L);
        GenericRecord envelope = record.value();
        assertThat(envelope.getSchema().getFullName()).isEqualTo("io.tributary.demo.CustomerViewChange");
        assertThat(envelope.get("event_id").toString()).isEqualTo(change.get("event_id").toString());
        GenericRecord row = (GenericRecord) envelope.get("after");
        assertThat(row.getSchema().getFields()).extracting(Schema.Field::name).containsExactly("id", "name",
                "email_hash", "phone", "segment_id", "segment_name", "segment_tier", "last_seen");
        assertThat(row.get("email_hash").toString()).hasSize(64).isEqualTo(masker.hash("ann@example.com"));
        assertThat(row.get("phone")).isEqualTo("***");
        assertThat(row.get("segment_name").toString()).isEqualTo("gold");
        assertThat(row.get("segment_tier").toString()).isEqualTo("A");
        assertThat(row.get("last_seen")).isEqualTo(io.tributary.processor.Changes.COMMIT.toEpochMilli());
        assertThat(envelope.toString()).doesNotContain("ann@example.com").doesNotContain("12 34 56");

        // the sink may read view records with the schemas module's CustomerView / CustomerViewChange
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(CustomerViewChange.getClassSchema(),
                envelope.getSchema()).getType()).isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(row.getSchema(), CustomerView.getClassSchema())
                .getType()).isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void equalInputsGiveEqualTokensAndOtherKeysOrInputsDiffer() {
        assertThat(masker.hash("ann@example.com")).isEqualTo(masker.hash(new org.apache.avro.util.Utf8("ann@example.com")));
        assertThat(masker.hash("ann@example.com")).isNotEqualTo(masker.hash("bob@example.com"));
        assertThat(new Masker(Optional.of("other-key"), "***").hash("ann@example.com"))
                .isNotEqualTo(masker.hash("ann@example.com"));
        assertThat(masker.hash(ByteBuffer.wrap(new byte[] {1, 2}))).isEqualTo(masker.hash(ByteBuffer.wrap(new byte[] {1, 2})));
    }

    @Test
    void twoCustomersWithTheSameEmailGetTheSameToken() {
        segment(3, "gold", "A");
        ViewProcessor processor = processor(customerView(MissingPolicy.EMIT_NULLS));
        GenericRecord a = row(await(processor.process(CUSTOMERS, generic(customerChange(Op.INSERT, customer(1, "same@x.org", null, 3))))));
        GenericRecord b = row(await(processor.process(CUSTOMERS, generic(customerChange(Op.UPDATE, customer(2, "same@x.org", null, 3))))));
        assertThat(a.get("email_hash")).isEqualTo(b.get("email_hash"));
        assertThat(a.get("phone")).isNull(); // a null stays null, redacted or not
    }

    @Test
    void droppedColumnIsAbsent() {
        segment(3, "gold", "A");
        ViewSpec view = customerView(MissingPolicy.EMIT_NULLS, Map.of("email", MaskMode.DROP, "phone", MaskMode.DROP));
        GenericRecord row = row(await(processor(view).process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(5, "drop@x.org", "555-0100", 3))))));
        assertThat(row.getSchema().getFields()).extracting(Schema.Field::name).containsExactly("id", "name",
                "segment_id", "segment_name", "segment_tier", "last_seen");
        assertThat(row.toString()).doesNotContain("drop@x.org").doesNotContain("555-0100");
    }

    @Test
    void hashingWithoutAKeyFailsNamingTheKey() {
        assertThatThrownBy(() -> new ViewProcessor(List.of(customerView(MissingPolicy.EMIT_NULLS)), refs,
                new Masker(Optional.empty(), "***"), Duration.ofMillis(10), Duration.ofMillis(10)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("processor.masking.key");
        // no hash configured: no key needed
        new ViewProcessor(List.of(orderView()), refs, new Masker(Optional.empty(), "***"), Duration.ofMillis(10),
                Duration.ofMillis(10));
    }

    @Test
    void missingReferenceEmitsNulls() {
        segment(3, "gold", "A");
        GenericRecord row = row(await(processor(customerView(MissingPolicy.EMIT_NULLS)).process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(6, "a@b.c", null, 99))))));
        assertThat(row.get("segment_id")).isEqualTo(99);
        assertThat(row.get("segment_name")).isNull();
        assertThat(row.get("segment_tier")).isNull();
    }

    @Test
    void missingReferenceUnderDeadLetterFailsPermanently() {
        segment(3, "gold", "A");
        var uni = processor(customerView(MissingPolicy.DEAD_LETTER)).process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(7, "a@b.c", null, 99))));
        assertThatThrownBy(() -> await(uni)).isInstanceOf(TransformException.class).hasMessageContaining("segment_id")
                .hasMessageNotContaining("99");
    }

    @Test
    void missingReferenceUnderRetryWaitsForIt() {
        segment(3, "gold", "A");
        ViewProcessor processor = processor(customerView(MissingPolicy.RETRY));
        CompletableFuture<ViewResult> pending = processor.process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(8, "a@b.c", null, 4)))).subscribeAsCompletionStage();
        segment(4, "silver", "B");
        GenericRecord row = row(pending.join());
        assertThat(row.get("segment_name").toString()).isEqualTo("silver");
    }

    @Test
    void missingReferenceUnderRetryDeadLettersAfterItsWindow() {
        segment(3, "gold", "A");
        var uni = processor(customerView(MissingPolicy.RETRY)).process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(9, "a@b.c", null, 77))));
        assertThatThrownBy(() -> await(uni)).isInstanceOf(TransformException.class);
    }

    @Test
    void referenceTableStillLoadingIsTransient() {
        var uni = processor(customerView(MissingPolicy.EMIT_NULLS)).process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(10, "a@b.c", null, 3))));
        assertThatThrownBy(() -> await(uni)).isInstanceOf(ReferenceUnavailableException.class);
    }

    @Test
    void deleteHasNoRowAndAsksForATombstone() {
        segment(3, "gold", "A");
        ViewResult result = await(processor(customerView(MissingPolicy.DEAD_LETTER)).process(CUSTOMERS,
                generic(customerChange("ev-del", Op.DELETE, 11, null))));
        ViewRecord record = result.records().get(0);
        assertThat(record.tombstone()).isTrue();
        assertThat(record.value().get("after")).isNull();
        assertThat(record.value().get("op").toString()).isEqualTo("DELETE");
        assertThat(record.key().get("id")).isEqualTo(11L);
    }

    @Test
    void insertWithoutAfterIsATransformFailure() {
        var uni = processor(customerView(MissingPolicy.EMIT_NULLS)).process(CUSTOMERS,
                generic(customerChange("ev-bad", Op.INSERT, 12, null)));
        assertThatThrownBy(() -> await(uni)).isInstanceOf(TransformException.class).hasMessageContaining("no after row");
    }

    @Test
    void orderViewIsConfiguredDifferently() {
        GenericRecord change = generic(orderChange(Op.INSERT, 500, 42, "19.90", "PLACED"));
        ViewResult result = await(processor(customerView(MissingPolicy.EMIT_NULLS), orderView()).process(ORDERS, change));
        assertThat(result.records()).hasSize(1);
        GenericRecord envelope = result.records().get(0).value();
        assertThat(envelope.getSchema().getFullName()).isEqualTo("io.tributary.demo.OrderViewChange");
        GenericRecord row = (GenericRecord) envelope.get("after");
        assertThat(row.getSchema().getFields()).extracting(Schema.Field::name).containsExactly("id", "customer_id",
                "amount", "order_status", "committed_at", "lsn");
        Schema amount = row.getSchema().getField("amount").schema();
        assertThat(new Conversions.DecimalConversion().fromBytes((ByteBuffer) row.get("amount"), amount,
                LogicalTypes.fromSchema(amount))).isEqualTo(new BigDecimal("19.90"));
        assertThat(row.get("order_status").toString()).isEqualTo("PLACED");
        assertThat(row.get("lsn")).isEqualTo(((GenericRecord) change.get("source")).get("lsn"));
    }

    @Test
    void tableWithoutAViewGivesNothing() {
        ViewResult result = await(processor(orderView()).process(CUSTOMERS,
                generic(customerChange(Op.INSERT, customer(13, "a@b.c", null, 3)))));
        assertThat(result.records()).isEmpty();
    }

    @Test
    void transformingDirectlyGivesWhatProcessGives() {
        segment(3, "gold", "A");
        ViewProcessor processor = processor(customerView(MissingPolicy.EMIT_NULLS), orderView());
        List<GenericRecord> changes = List.of(
                generic(customerChange(Op.INSERT, customer(20, "ann@example.com", "+33 6 12 34 56 78", 3))),
                generic(customerChange(Op.UPDATE, customer(21, "bob@example.com", null, 99))),
                generic(customerChange(Op.UPDATE, customer(22, "eve@example.com", null, null))),
                generic(customerChange("ev-del-2", Op.DELETE, 23, null)));
        for (GenericRecord change : changes) {
            assertThat(processor.transform(CUSTOMERS, change)).isEqualTo(await(processor.process(CUSTOMERS, change)));
        }
        GenericRecord order = generic(orderChange(Op.INSERT, 501, 42, "5.00", "PLACED"));
        assertThat(processor.transform(ORDERS, order)).isEqualTo(await(processor.process(ORDERS, order)));
        assertThat(processor.transform("tributary.public.other", order).records()).isEmpty();
    }

    @Test
    void transformingDirectlyFailsWhereProcessWaitsOrFails() {
        GenericRecord change = generic(customerChange(Op.INSERT, customer(30, "a@b.c", null, 77)));
        assertThatThrownBy(() -> processor(customerView(MissingPolicy.EMIT_NULLS)).transform(CUSTOMERS, change))
                .isInstanceOf(ReferenceUnavailableException.class).hasMessageContaining("still loading");

        segment(3, "gold", "A");
        assertThatThrownBy(() -> processor(customerView(MissingPolicy.RETRY)).transform(CUSTOMERS, change))
                .isInstanceOf(ReferenceUnavailableException.class).hasMessageContaining("segment_id");
        assertThatThrownBy(() -> processor(customerView(MissingPolicy.DEAD_LETTER)).transform(CUSTOMERS, change))
                .isInstanceOf(TransformException.class).hasMessageContaining("segment_id").hasMessageNotContaining("77");
        assertThatThrownBy(() -> processor(customerView(MissingPolicy.EMIT_NULLS)).transform(CUSTOMERS,
                generic(customerChange("ev-bad-2", Op.INSERT, 31, null))))
                .isInstanceOf(TransformException.class).hasMessageContaining("no after row");
    }

    static GenericRecord row(ViewResult result) {
        return (GenericRecord) result.records().get(0).value().get("after");
    }
}
