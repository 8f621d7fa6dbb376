package io.tributary.registry;

import io.tributary.registry.AvroRules.Compatibility;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvroRulesTest {

    static final String CUSTOMER_V1 = """
            {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
              {"name":"id","type":"long"},
              {"name":"segment_id","type":"int"}]}""";

    static final String CUSTOMER_V2_NULLABLE_EMAIL = """
            {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
              {"name":"id","type":"long"},
              {"name":"segment_id","type":"int"},
              {"name":"email","type":["null","string"],"default":null}]}""";

    static final String CUSTOMER_SEGMENT_AS_STRING = """
            {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
              {"name":"id","type":"long"},
              {"name":"segment_id","type":"string"}]}""";

    static Schema parse(String json) {
        return AvroRules.parse(json, List.of());
    }

    @Test
    void backwardAcceptsANewNullableFieldWithDefault() {
        assertEquals(List.of(), AvroRules.check(Compatibility.BACKWARD, parse(CUSTOMER_V2_NULLABLE_EMAIL),
                List.of(parse(CUSTOMER_V1))));
    }

    @Test
    void backwardRefusesATypeChangeAndNamesTheField() {
        List<Api.RuleViolationCause> causes = AvroRules.check(Compatibility.BACKWARD,
                parse(CUSTOMER_SEGMENT_AS_STRING), List.of(parse(CUSTOMER_V1)));

        assertEquals(1, causes.size());
        assertEquals("field io.tributary.demo.Customer.segment_id: reader type STRING not compatible with writer"
                + " type INT", causes.get(0).description());
        assertEquals("/fields/1/type", causes.get(0).context());
    }

    @Test
    void backwardRefusesANewFieldWithoutDefault() {
        String required = CUSTOMER_V1.replace("{\"name\":\"segment_id\",\"type\":\"int\"}",
                "{\"name\":\"segment_id\",\"type\":\"int\"},{\"name\":\"tier\",\"type\":\"string\"}");

        List<Api.RuleViolationCause> causes = AvroRules.check(Compatibility.BACKWARD, parse(required),
                List.of(parse(CUSTOMER_V1)));

        assertEquals(1, causes.size());
        assertTrue(causes.get(0).description().startsWith("field io.tributary.demo.Customer.tier: "),
                causes.get(0).description());
    }

    @Test
    void forwardChecksThatTheOldSchemaReadsNewData() {
        String dropsSegment = """
                {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
                  {"name":"id","type":"long"}]}""";

        assertEquals(List.of(), AvroRules.check(Compatibility.BACKWARD, parse(dropsSegment),
                List.of(parse(CUSTOMER_V1))));
        List<Api.RuleViolationCause> forward = AvroRules.check(Compatibility.FORWARD, parse(dropsSegment),
                List.of(parse(CUSTOMER_V1)));
        assertEquals(1, forward.size());
        assertTrue(forward.get(0).description().contains("io.tributary.demo.Customer.segment_id"));
        assertEquals(1, AvroRules.check(Compatibility.FULL, parse(dropsSegment), List.of(parse(CUSTOMER_V1)))
                .size());
    }

    @Test
    void transitiveChecksEveryEarlierVersionNotOnlyTheLatest() {
        Schema v1 = parse("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}""");
        Schema v2 = parse("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}""");
        Schema v3 = parse("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}""");

        assertEquals(List.of(), AvroRules.check(Compatibility.BACKWARD, v3, List.of(v1, v2)));
        List<Api.RuleViolationCause> causes = AvroRules.check(Compatibility.BACKWARD_TRANSITIVE, v3, List.of(v1, v2));
        assertEquals(1, causes.size());
        assertTrue(causes.get(0).description().startsWith("field R.b: reader type INT"));
    }

    @Test
    void noneAndAFirstVersionAcceptAnything() {
        assertEquals(List.of(), AvroRules.check(Compatibility.NONE, parse(CUSTOMER_SEGMENT_AS_STRING),
                List.of(parse(CUSTOMER_V1))));
        assertEquals(List.of(), AvroRules.check(Compatibility.FULL_TRANSITIVE, parse(CUSTOMER_V1), List.of()));
    }

    @Test
    void namesTheFieldInsideANestedRecordOrTheUnionThatHoldsIt() {
        Schema address = parse("""
                {"type":"record","name":"Address","namespace":"io.tributary.demo","fields":[
                  {"name":"city","type":"string"}]}""");
        String writerTemplate = """
                {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
                  {"name":"id","type":"long"},
                  {"name":"address","type":ADDRESS}]}""";
        String readerAddress = """
                {"type":"record","name":"Address","fields":[{"name":"city","type":"int"}]}""";

        Schema writer = AvroRules.parse(writerTemplate.replace("ADDRESS", "\"io.tributary.demo.Address\""),
                List.of(address));
        Schema reader = parse(writerTemplate.replace("ADDRESS", readerAddress));
        List<Api.RuleViolationCause> causes = AvroRules.check(Compatibility.BACKWARD, reader, List.of(writer));
        assertEquals(List.of(new Api.RuleViolationCause("field io.tributary.demo.Address.city: reader type INT not"
                + " compatible with writer type STRING", "/fields/1/type/fields/0/type")), causes);

        Schema writerUnion = AvroRules.parse(writerTemplate.replace("ADDRESS",
                "[\"null\",\"io.tributary.demo.Address\"],\"default\":null"), List.of(address));
        Schema readerUnion = parse(writerTemplate.replace("ADDRESS", "[\"null\"," + readerAddress + "],\"default\":null"));
        causes = AvroRules.check(Compatibility.BACKWARD, readerUnion, List.of(writerUnion));
        assertEquals(1, causes.size());
        assertTrue(causes.get(0).description().startsWith("field io.tributary.demo.Customer.address: reader union"),
                causes.get(0).description());
    }

    @Test
    void parsesContentThatUsesReferencedTypesAndWritesThemByNameWhenCanonical() {
        Schema address = parse("""
                {"type":"record","name":"Address","namespace":"io.tributary.demo","fields":[
                  {"name":"city","type":"string"}]}""");
        String customer = """
                {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
                  {"name":"address","type":"Address"}]}""";

        assertThrows(RuntimeException.class, () -> parse(customer));
        Schema parsed = AvroRules.parse(customer, List.of(address));

        assertEquals("string", parsed.getField("address").schema().getField("city").schema().getName());
        assertEquals("{\"type\":\"record\",\"name\":\"Customer\",\"namespace\":\"io.tributary.demo\",\"fields\":"
                + "[{\"name\":\"address\",\"type\":\"Address\"}]}", AvroRules.canonical(parsed, List.of(address)));
    }

    @Test
    void compatibilityConfigIsValidated() {
        assertEquals(Compatibility.FULL_TRANSITIVE, Compatibility.parse(" full_transitive "));
        RegistryException e = assertThrows(RegistryException.class, () -> Compatibility.parse("SIDEWAYS"));
        assertEquals(400, e.status());
    }
}
