package io.tributary.support.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.apicurio.registry.resolver.DefaultSchemaResolver;
import io.apicurio.registry.resolver.SchemaParser;
import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.tributary.registry.SchemaRegistryServer;

/**
 * Against the project's registry over HTTP: a serializer with the caching resolver writes the same bytes as one with
 * Apicurio's default resolver, while asking the registry once per schema instead of once per record; with the caching
 * datum provider too (CachingAvroSerializer and CachingAvroDeserializer), interleaved schema versions are each written
 * and read with their own schema.
 */
class ApicurioCachesTest {

    private static final String TOPIC = "tributary.public.customers";

    private SchemaRegistryServer registry;

    @BeforeEach
    void start() throws Exception {
        registry = new SchemaRegistryServer("127.0.0.1", 0, null);
        registry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    /** An envelope like the capture's: a row record nested twice and a source record, so the schema has references. */
    private static Schema envelope(boolean withTier, boolean tierHasDefault) {
        var row = SchemaBuilder.record("Customer").namespace("io.tributary.test").fields().requiredLong("id").requiredString("email");
        if (withTier) {
            row = tierHasDefault ? row.name("tier").type().stringType().stringDefault("basic") : row.requiredString("tier");
        }
        Schema rowSchema = row.endRecord();
        Schema source = SchemaBuilder.record("Source").namespace("io.tributary.test").fields().requiredLong("lsn").requiredLong("ts_ms").endRecord();
        return SchemaBuilder.record("CustomerChange").namespace("io.tributary.test").fields()
                .requiredString("op")
                .name("before").type().unionOf().nullType().and().type(rowSchema).endUnion().nullDefault()
                .name("after").type().unionOf().nullType().and().type(rowSchema).endUnion().nullDefault()
                .name("source").type(source).noDefault()
                .endRecord();
    }

    private static GenericRecord change(Schema envelope, long id) {
        Schema row = envelope.getField("after").schema().getTypes().get(1);
        GenericRecord after = new GenericData.Record(row);
        after.put("id", id);
        after.put("email", "c" + id + "@example.com");
        if (row.getField("tier") != null) {
            after.put("tier", "gold");
        }
        GenericRecord source = new GenericData.Record(envelope.getField("source").schema());
        source.put("lsn", 1000 + id);
        source.put("ts_ms", 1_700_000_000_000L + id);
        GenericRecord change = new GenericData.Record(envelope);
        change.put("op", "c");
        change.put("after", after);
        change.put("source", source);
        return change;
    }

    /** Counts every call the resolver makes to the registry client. */
    private static RegistryClientFacade counting(RegistryClientFacade real, AtomicInteger calls) {
        return (RegistryClientFacade) Proxy.newProxyInstance(RegistryClientFacade.class.getClassLoader(), new Class<?>[] {RegistryClientFacade.class},
                (proxy, method, args) -> {
                    calls.incrementAndGet();
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static final class CountedCaching extends CachingSchemaResolver {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void configure(Map<String, ?> configs, SchemaParser<Schema, Object> parser) {
            super.configure(configs, parser);
            clientFacade = counting(clientFacade, calls);
        }
    }

    static final class CountedDefault extends DefaultSchemaResolver<Schema, Object> {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void configure(Map<String, ?> configs, SchemaParser<Schema, Object> parser) {
            super.configure(configs, parser);
            clientFacade = counting(clientFacade, calls);
        }
    }

    private AvroKafkaSerializer<GenericRecord> serializer(io.apicurio.registry.resolver.SchemaResolver<Schema, GenericRecord> resolver) {
        AvroKafkaSerializer<GenericRecord> s = new AvroKafkaSerializer<>(resolver);
        s.configure(Map.of("apicurio.registry.url", registry.url(), "apicurio.registry.auto-register", "true"), false);
        return s;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <T> T raw(Object o) {
        return (T) o;
    }

    @Test
    void asksTheRegistryOncePerSchemaAndWritesTheSameBytesAsTheDefault() {
        Schema v1 = envelope(false, false);
        CountedDefault plain = new CountedDefault();
        CountedCaching caching = new CountedCaching();
        try (AvroKafkaSerializer<GenericRecord> before = serializer(raw(plain)); AvroKafkaSerializer<GenericRecord> after = serializer(raw(caching))) {
            for (long id = 1; id <= 200; id++) {
                GenericRecord c = change(v1, id);
                byte[] expected = before.serialize(TOPIC, c);
                byte[] actual = after.serialize(TOPIC, c);
                assertThat(actual).as("record %d", id).isEqualTo(expected);
            }
            // the default resolver's content cache misses for a schema with references: one registry call per record
            assertThat(plain.calls.get()).isGreaterThanOrEqualTo(200);
            int afterFirst = caching.calls.get();
            assertThat(afterFirst).isLessThan(10);

            // an equal schema built again is the same entry: no new call
            after.serialize(TOPIC, change(envelope(false, false), 201));
            assertThat(caching.calls.get()).isEqualTo(afterFirst);

            // a new version of the schema is registered and gets its own id
            Schema v2 = envelope(true, true);
            byte[] v1Bytes = after.serialize(TOPIC, change(v1, 300));
            byte[] v2Bytes = after.serialize(TOPIC, change(v2, 300));
            assertThat(caching.calls.get()).isGreaterThan(afterFirst);
            assertThat(Arrays.copyOfRange(v2Bytes, 0, 9)).isNotEqualTo(Arrays.copyOfRange(v1Bytes, 0, 9));
            assertThat(v2Bytes).isEqualTo(before.serialize(TOPIC, change(v2, 300)));
        }
    }

    @Test
    void aRefusedSchemaIsNotRemembered() {
        CountedCaching caching = new CountedCaching();
        try (AvroKafkaSerializer<GenericRecord> s = serializer(raw(caching))) {
            s.serialize(TOPIC, change(envelope(false, false), 1));
            // a new required field without a default breaks BACKWARD compatibility: the registry refuses it
            Schema incompatible = envelope(true, false);
            assertThatThrownBy(() -> s.serialize(TOPIC, change(incompatible, 2))).isInstanceOf(RuntimeException.class);
            int afterRefusal = caching.calls.get();
            assertThatThrownBy(() -> s.serialize(TOPIC, change(incompatible, 3))).isInstanceOf(RuntimeException.class);
            assertThat(caching.calls.get()).as("the second record asks the registry again").isGreaterThan(afterRefusal);
        }
    }

    @Test
    void twoSchemaVersionsInterleavedRoundTripThroughTheCachingSerializerAndDeserializer() {
        Map<String, Object> conf = Map.of("apicurio.registry.url", registry.url(), "apicurio.registry.auto-register", "true");
        try (AvroKafkaSerializer<GenericRecord> out = new CachingAvroSerializer<>();
                io.apicurio.registry.serde.avro.AvroKafkaDeserializer<GenericRecord> in = new CachingAvroDeserializer<>()) {
            out.configure(conf, false);
            in.configure(conf, false);
            Schema v1 = envelope(false, false);
            Schema v2 = envelope(true, true);
            for (long id = 1; id <= 20; id++) {
                // v1, v2 and a v1 built again alternate: each must be written and read with its own schema
                Schema schema = id % 3 == 0 ? envelope(false, false) : id % 2 == 0 ? v2 : v1;
                GenericRecord sent = change(schema, id);
                GenericRecord got = in.deserialize(TOPIC, out.serialize(TOPIC, sent));
                assertThat(got.getSchema()).as("record %d", id).isEqualTo(schema);
                assertThat(got.toString()).isEqualTo(sent.toString());
            }
        }
    }

    @Test
    void theSerdesAddBothCachesAsClassesUnlessConfigured() {
        Map<String, Object> plain = CachingAvroSerializer.withCaches(Map.of("apicurio.registry.url", "http://x"));
        assertThat(plain).containsEntry("apicurio.registry.schema-resolver", CachingSchemaResolver.class)
                .containsEntry("apicurio.registry.avro-datum-provider", CachingAvroDatumProvider.class);
        Map<String, Object> chosen = CachingAvroSerializer.withCaches(Map.of("apicurio.registry.schema-resolver", "my.Resolver"));
        assertThat(chosen).containsEntry("apicurio.registry.schema-resolver", "my.Resolver");
    }
}
