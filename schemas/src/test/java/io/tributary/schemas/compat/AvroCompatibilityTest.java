package io.tributary.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import io.tributary.demo.CustomerChange;
import io.tributary.demo.OrderChange;

class AvroCompatibilityTest {

    private static final String CUSTOMER = """
            {"type": "record", "name": "Customer", "namespace": "io.tributary.demo", "fields": [
              {"name": "id", "type": "long"},
              {"name": "name", "type": "string"},
              {"name": "phone", "type": ["null", "string"], "default": null},
              {"name": "segment_id", "type": %s}
            ]}""";

    private static Schema customer(String segmentIdType) {
        return parse(CUSTOMER.formatted(segmentIdType));
    }

    private static Schema parse(String json) {
        return new Schema.Parser().parse(json);
    }

    @Test
    void identicalSchemasAreCompatible() {
        assertThat(AvroCompatibility.checkFull(customer("\"int\""), customer("\"int\""))).isEmpty();
    }

    @Test
    void addedNullableFieldWithDefaultIsAccepted() {
        Schema previous = customer("\"int\"");
        Schema current = parse(CUSTOMER.formatted("\"int\"").replace("""
                {"name": "id", "type": "long"},""", """
                {"name": "id", "type": "long"},
                {"name": "nickname", "type": ["null", "string"], "default": null},"""));

        assertThat(AvroCompatibility.checkBackward(previous, current)).isEmpty();
        assertThat(AvroCompatibility.checkFull(previous, current)).isEmpty();
    }

    @Test
    void promotionIntToLongIsAccepted() {
        assertThat(AvroCompatibility.checkBackward(customer("\"int\""), customer("\"long\""))).isEmpty();
    }

    @Test
    void typeChangeIsRefusedNamingTheField() {
        assertThat(AvroCompatibility.checkBackward(customer("\"int\""), customer("\"string\"")))
                .containsExactly("io.tributary.demo.Customer.segment_id: type changed from int to string"
                        + " (reader type: STRING not compatible with writer type: INT)");
    }

    @Test
    void typeChangeOfNullableFieldIsRefusedNamingTheField() {
        assertThat(AvroCompatibility.checkBackward(customer("[\"null\", \"int\"]"), customer("[\"null\", \"string\"]")))
                .containsExactly("io.tributary.demo.Customer.segment_id: type changed from [null, int] to"
                        + " [null, string] (reader union lacking writer type: INT)");
    }

    @Test
    void makingNullableFieldRequiredIsRefusedNamingTheField() {
        assertThat(AvroCompatibility.checkBackward(customer("[\"null\", \"int\"]"), customer("\"int\"")))
                .containsExactly("io.tributary.demo.Customer.segment_id: type changed from [null, int] to int"
                        + " (reader type: INT not compatible with writer type: NULL)");
    }

    @Test
    void addedRequiredFieldWithoutDefaultIsRefusedNamingTheField() {
        Schema previous = customer("\"int\"");
        Schema current = parse(CUSTOMER.formatted("\"int\"").replace("""
                {"name": "id", "type": "long"},""", """
                {"name": "id", "type": "long"},
                {"name": "loyalty_points", "type": "int"},"""));

        assertThat(AvroCompatibility.checkBackward(previous, current))
                .containsExactly("io.tributary.demo.Customer.loyalty_points: added without a default value"
                        + " (data written with the previous schema has no value for it)");
    }

    @Test
    void removedFieldWithoutDefaultIsBackwardCompatibleButRefusedForward() {
        Schema previous = customer("\"int\"");
        Schema current = parse(CUSTOMER.formatted("\"int\"").replace("""
                {"name": "name", "type": "string"},""", ""));

        // a new reader simply skips the removed field
        assertThat(AvroCompatibility.checkBackward(previous, current)).isEmpty();
        // a reader still on the previous schema has no value for it
        String problem = "io.tributary.demo.Customer.name: removed, but the previous schema gives it no default value"
                + " (readers still on the previous schema cannot fill it)";
        assertThat(AvroCompatibility.checkForward(previous, current)).containsExactly(problem);
        assertThat(AvroCompatibility.checkFull(previous, current)).containsExactly(problem);
    }

    @Test
    void nestedFieldInRecordInsideUnionIsNamed() {
        String change = """
                {"type": "record", "name": "CustomerChange", "namespace": "io.tributary.demo", "fields": [
                  {"name": "event_id", "type": "string"},
                  {"name": "after", "type": ["null", %s], "default": null}
                ]}""";
        Schema previous = parse(change.formatted(CUSTOMER.formatted("\"int\"")));
        Schema current = parse(change.formatted(CUSTOMER.formatted("\"string\"")));

        assertThat(AvroCompatibility.checkBackward(previous, current))
                .containsExactly("io.tributary.demo.Customer.segment_id (in io.tributary.demo.CustomerChange.after):"
                        + " type changed from int to string (reader type: STRING not compatible with writer type: INT)");
    }

    @Test
    void nestedFieldInTheRealEnvelopeIsNamedForBeforeAndAfter() {
        Schema previous = CustomerChange.getClassSchema();
        String json = previous.toString();
        String segmentId = "{\"name\":\"segment_id\",\"type\":[\"null\",\"int\"]";
        assertThat(json).contains(segmentId);
        Schema current = parse(json.replace(segmentId, "{\"name\":\"segment_id\",\"type\":[\"null\",\"string\"]"));

        assertThat(AvroCompatibility.checkBackward(previous, current)).containsExactly(
                "io.tributary.demo.Customer.segment_id (in io.tributary.demo.CustomerChange.before):"
                        + " type changed from [null, int] to [null, string] (reader union lacking writer type: INT)",
                "io.tributary.demo.Customer.segment_id (in io.tributary.demo.CustomerChange.after):"
                        + " type changed from [null, int] to [null, string] (reader union lacking writer type: INT)");
    }

    @Test
    void fieldOfRecordInArrayIsNamed() {
        String order = """
                {"type": "record", "name": "Order", "namespace": "io.tributary.demo", "fields": [
                  {"name": "lines", "type": {"type": "array", "items":
                    {"type": "record", "name": "OrderLine", "fields": [{"name": "quantity", "type": %s}]}}}
                ]}""";

        assertThat(AvroCompatibility.checkBackward(parse(order.formatted("\"int\"")), parse(order.formatted("\"string\""))))
                .containsExactly("io.tributary.demo.OrderLine.quantity (in io.tributary.demo.Order.lines[]):"
                        + " type changed from int to string (reader type: STRING not compatible with writer type: INT)");
    }

    @Test
    void recursiveSchemaIsCheckedOnce() {
        String node = """
                {"type": "record", "name": "Node", "namespace": "io.tributary.demo", "fields": [
                  {"name": "value", "type": %s},
                  {"name": "next", "type": ["null", "Node"], "default": null}
                ]}""";

        assertThat(AvroCompatibility.checkBackward(parse(node.formatted("\"int\"")), parse(node.formatted("\"string\""))))
                .containsExactly("io.tributary.demo.Node.value: type changed from int to string"
                        + " (reader type: STRING not compatible with writer type: INT)");
    }

    @Test
    void removedEnumSymbolIsRefused() {
        Schema previous = parse("""
                {"type": "enum", "name": "Op", "namespace": "io.tributary.avro",
                 "symbols": ["INSERT", "UPDATE", "DELETE", "READ"]}""");
        Schema current = parse("""
                {"type": "enum", "name": "Op", "namespace": "io.tributary.avro",
                 "symbols": ["INSERT", "UPDATE", "DELETE"]}""");

        assertThat(AvroCompatibility.checkBackward(previous, current))
                .containsExactly("io.tributary.avro.Op: symbols [READ] removed from enum io.tributary.avro.Op, which has"
                        + " no default symbol (data written with the previous schema may hold them)");
        assertThat(AvroCompatibility.checkForward(previous, current)).isEmpty();
    }

    @Test
    void renamedRecordWithoutAliasIsRefused() {
        Schema previous = customer("\"int\"");
        Schema current = parse(CUSTOMER.formatted("\"int\"").replace("\"Customer\"", "\"Client\""));

        assertThat(AvroCompatibility.checkBackward(previous, current))
                .containsExactly("io.tributary.demo.Client: name changed from io.tributary.demo.Customer to"
                        + " io.tributary.demo.Client with no alias for the old name");
    }

    @Test
    void changedDecimalScaleIsRefusedAndWiderPrecisionAccepted() {
        String order = """
                {"type": "record", "name": "Order", "namespace": "io.tributary.demo", "fields": [
                  {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": %d, "scale": %d}}
                ]}""";
        Schema previous = parse(order.formatted(12, 2));

        assertThat(AvroCompatibility.checkBackward(previous, parse(order.formatted(14, 2)))).isEmpty();
        assertThat(AvroCompatibility.checkBackward(previous, parse(order.formatted(12, 3))))
                .containsExactly("io.tributary.demo.Order.amount: logical type changed from bytes (decimal(12,2)) to"
                        + " bytes (decimal(12,3)) (the same encoded value would mean something else)");
    }

    @Test
    void changedDecimalScaleInTheRealEnvelopeIsNamedForBeforeAndAfter() {
        Schema previous = OrderChange.getClassSchema();
        String amount = "\"logicalType\":\"decimal\",\"precision\":12,\"scale\":2";
        assertThat(previous.toString()).contains(amount);
        Schema current = parse(previous.toString().replace(amount, "\"logicalType\":\"decimal\",\"precision\":12,\"scale\":4"));

        assertThat(AvroCompatibility.checkBackward(previous, current)).containsExactly(
                "io.tributary.demo.Order.amount (in io.tributary.demo.OrderChange.before): logical type changed from"
                        + " bytes (decimal(12,2)) to bytes (decimal(12,4)) (the same encoded value would mean something else)",
                "io.tributary.demo.Order.amount (in io.tributary.demo.OrderChange.after): logical type changed from"
                        + " bytes (decimal(12,2)) to bytes (decimal(12,4)) (the same encoded value would mean something else)");
    }

    @Test
    void changedTimestampPrecisionInsideUnionIsRefused() {
        String view = """
                {"type": "record", "name": "CustomerView", "namespace": "io.tributary.demo", "fields": [
                  {"name": "last_seen", "type": ["null", {"type": "long", "logicalType": "%s"}], "default": null}
                ]}""";

        assertThat(AvroCompatibility.checkBackward(parse(view.formatted("timestamp-millis")),
                parse(view.formatted("timestamp-micros"))))
                .containsExactly("io.tributary.demo.CustomerView.last_seen: logical type changed from"
                        + " long (timestamp-millis) to long (timestamp-micros)"
                        + " (the same encoded value would mean something else)");
    }
}
