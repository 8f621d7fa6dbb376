package io.tributary.registry;

import io.apicurio.registry.client.RegistryClientFactory;
import io.apicurio.registry.client.common.RegistryClientOptions;
import io.apicurio.registry.rest.client.RegistryClient;
import io.apicurio.registry.rest.client.models.ArtifactReference;
import io.apicurio.registry.rest.client.models.CreateArtifact;
import io.apicurio.registry.rest.client.models.CreateArtifactResponse;
import io.apicurio.registry.rest.client.models.CreateRule;
import io.apicurio.registry.rest.client.models.CreateVersion;
import io.apicurio.registry.rest.client.models.ProblemDetails;
import io.apicurio.registry.rest.client.models.RuleType;
import io.apicurio.registry.rest.client.models.RuleViolationProblemDetails;
import io.apicurio.registry.rest.client.models.VersionContent;
import io.apicurio.registry.rest.client.models.VersionMetaData;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.config.SerdeConfig;
import io.apicurio.registry.serde.kafka.config.KafkaSerdeConfig;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stand-in driven by the real Apicurio 3.1.7 Java SDK (Kiota, Vert.x adapter) and Avro Kafka serdes, each
 * configured only with {@code apicurio.registry.url}, as the services are. Every test uses its own artifacts.
 */
class SchemaRegistryIT {

    static final String CUSTOMER_V1 = """
            {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
              {"name":"id","type":"long"},
              {"name":"segment_id","type":"int"}]}""";
    static final String CUSTOMER_V2 = """
            {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
              {"name":"id","type":"long"},
              {"name":"segment_id","type":"int"},
              {"name":"email","type":["null","string"],"default":null}]}""";
    static final String CUSTOMER_SEGMENT_AS_STRING = """
            {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[
              {"name":"id","type":"long"},
              {"name":"segment_id","type":"string"}]}""";

    /**
     * Shaped like a Debezium envelope: {@code before}/{@code after} share one nested record, {@code source} is a
     * record of another namespace; the serde registers both as artifacts the envelope references.
     */
    static final Schema ENVELOPE = new Schema.Parser().parse("""
            {"type":"record","name":"Envelope","namespace":"io.tributary.demo.customers","fields":[
              {"name":"before","type":["null",{"type":"record","name":"Value","fields":[
                {"name":"id","type":"long"},
                {"name":"name","type":"string"}]}],"default":null},
              {"name":"after","type":["null","Value"],"default":null},
              {"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql",
                "fields":[{"name":"lsn","type":["null","long"],"default":null}]}},
              {"name":"op","type":"string"}]}""");

    @TempDir
    static Path dataDir;

    static SchemaRegistryServer server;
    static RegistryClient client;

    @BeforeAll
    static void startRegistry() throws IOException {
        server = new SchemaRegistryServer("127.0.0.1", 0, dataDir);
        server.start();
        client = RegistryClientFactory.create(RegistryClientOptions.create(server.url()));
    }

    @AfterAll
    static void stopRegistry() {
        server.stop();
    }

    // ---------------------------------------------------------------- Java SDK

    @Test
    void registersLooksUpByIdsAndEvolvesAnArtifact() throws IOException {
        CreateArtifactResponse created = client.groups().byGroupId("sdk").artifacts()
                .post(createArtifact("customers-value", CUSTOMER_V1));
        long globalId = created.getVersion().getGlobalId();
        long contentId = created.getVersion().getContentId();
        assertEquals("1", created.getVersion().getVersion());
        assertEquals("AVRO", created.getArtifact().getArtifactType());
        assertNotNull(created.getVersion().getCreatedOn());

        assertEquals(CUSTOMER_V1, text(client.ids().globalIds().byGlobalId(globalId).get()));
        assertEquals(CUSTOMER_V1, text(client.ids().contentIds().byContentId(contentId).get()));
        assertEquals(List.of(), client.ids().globalIds().byGlobalId(globalId).references().get());
        VersionMetaData latest = versions("sdk", "customers-value").byVersionExpression("branch=latest").get();
        assertEquals(globalId, latest.getGlobalId());
        assertEquals(contentId, latest.getContentId());

        VersionMetaData v2 = versions("sdk", "customers-value").post(createVersion(CUSTOMER_V2));
        assertEquals("2", v2.getVersion());
        assertNotEquals(globalId, v2.getGlobalId());
        assertEquals(CUSTOMER_V2, text(versions("sdk", "customers-value").byVersionExpression("2").content().get()));
        assertEquals(2, versions("sdk", "customers-value").get().getCount());

        RuleViolationProblemDetails refused = assertThrows(RuleViolationProblemDetails.class,
                () -> versions("sdk", "customers-value").post(createVersion(CUSTOMER_SEGMENT_AS_STRING)));
        assertEquals(409, refused.getStatus());
        assertEquals("RuleViolationException", refused.getName());
        assertTrue(refused.getDetail().contains("field io.tributary.demo.Customer.segment_id: reader type STRING"
                + " not compatible with writer type INT"), refused.getDetail());
        assertEquals("/fields/1/type", refused.getCauses().get(0).getContext());
        assertEquals(v2.getGlobalId(),
                versions("sdk", "customers-value").byVersionExpression("branch=latest").get().getGlobalId());
    }

    @Test
    void errorsArriveAsProblemDetailsTheSdkMapsToExceptions() throws Exception {
        ProblemDetails noArtifact = assertThrows(ProblemDetails.class,
                () -> versions("sdk", "no-such-artifact").byVersionExpression("branch=latest").get());
        assertEquals(404, noArtifact.getStatus());
        assertEquals("ArtifactNotFoundException", noArtifact.getName());

        ProblemDetails noVersion = assertThrows(ProblemDetails.class,
                () -> client.ids().globalIds().byGlobalId(987654L).get());
        assertEquals("VersionNotFoundException", noVersion.getName());

        CreateArtifact protobuf = createArtifact("protobuf-value", "syntax = \"proto3\";");
        protobuf.setArtifactType("PROTOBUF");
        ProblemDetails unsupported = assertThrows(ProblemDetails.class,
                () -> client.groups().byGroupId("sdk").artifacts().post(protobuf));
        assertEquals(400, unsupported.getStatus());
        assertEquals("InvalidArtifactTypeException", unsupported.getName());

        client.groups().byGroupId("sdk").artifacts().post(createArtifact("twice-value", CUSTOMER_V1));
        RuleViolationProblemDetails exists = assertThrows(RuleViolationProblemDetails.class,
                () -> client.groups().byGroupId("sdk").artifacts().post(createArtifact("twice-value", CUSTOMER_V1)));
        assertEquals("ArtifactAlreadyExistsException", exists.getName());

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> raw = http.send(HttpRequest.newBuilder(
                URI.create(server.url() + "/groups/sdk/artifacts/no-such-artifact")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, raw.statusCode());
        assertEquals("application/json", raw.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(raw.body().contains("\"name\":\"ArtifactNotFoundException\""), raw.body());
        assertTrue(raw.body().contains("\"status\":404"), raw.body());
    }

    @Test
    void rulesAreManagedPerArtifactAndGlobally() {
        assertEquals(List.of(RuleType.COMPATIBILITY), client.admin().rules().get());
        assertEquals("BACKWARD", client.admin().rules().byRuleType("COMPATIBILITY").get().getConfig());
        assertEquals("Apicurio Registry (Tributary local stand-in)", client.system().info().get().getName());

        client.groups().byGroupId("rules").artifacts().post(createArtifact("free-value", CUSTOMER_V1));
        var rules = client.groups().byGroupId("rules").artifacts().byArtifactId("free-value").rules();
        CreateRule none = new CreateRule();
        none.setRuleType(RuleType.COMPATIBILITY);
        none.setConfig("NONE");
        rules.post(none);
        assertEquals(List.of(RuleType.COMPATIBILITY), rules.get());
        assertEquals("NONE", rules.byRuleType("COMPATIBILITY").get().getConfig());

        assertEquals("2", versions("rules", "free-value").post(createVersion(CUSTOMER_SEGMENT_AS_STRING)).getVersion());

        rules.byRuleType("COMPATIBILITY").delete();
        ProblemDetails gone = assertThrows(ProblemDetails.class, () -> rules.byRuleType("COMPATIBILITY").get());
        assertEquals("RuleNotFoundException", gone.getName());
        assertThrows(RuleViolationProblemDetails.class,
                () -> versions("rules", "free-value").post(createVersion(CUSTOMER_V1)));
    }

    // ---------------------------------------------------------------- Avro Kafka serdes

    @ParameterizedTest(name = "headers enabled: {0}")
    @ValueSource(booleans = {false, true})
    void serializerRegistersAndDeserializerReadsBack(boolean headersEnabled) {
        String topic = "customers-" + (headersEnabled ? "headers" : "magic-byte");
        Map<String, Object> config = serdeConfig(server.url());
        config.put(KafkaSerdeConfig.ENABLE_HEADERS, headersEnabled);
        GenericRecord record = envelope(42L, "Ada");
        RecordHeaders headers = new RecordHeaders();

        byte[] bytes;
        try (AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>()) {
            serializer.configure(config, false);
            bytes = serializer.serialize(topic, headers, record);
        }
        if (headersEnabled) {
            assertNotNull(headers.lastHeader("apicurio.value.contentId"));
        } else {
            assertEquals(0, bytes[0], "magic byte, then the 4-byte content id");
            assertNull(headers.lastHeader("apicurio.value.contentId"));
        }

        try (AvroKafkaDeserializer<GenericRecord> deserializer = new AvroKafkaDeserializer<>()) {
            deserializer.configure(config, false);
            assertEquals(record, deserializer.deserialize(topic, headers, bytes));
        }

        // the nested records were registered as artifacts of their own and are referenced by the envelope
        List<String> refs = versions("default", topic + "-value").byVersionExpression("branch=latest")
                .references().get().stream().map(ArtifactReference::getArtifactId).sorted().toList();
        assertEquals(List.of("io.debezium.connector.postgresql.Source", "io.tributary.demo.customers.Value"), refs);
    }

    @Test
    void serdesWorkWithDereferencedSchemasAndGlobalIds() {
        Map<String, Object> config = serdeConfig(server.url());
        config.put(SerdeConfig.DEREFERENCE_SCHEMA, true);
        config.put(SerdeConfig.USE_ID, "globalId");
        GenericRecord record = envelope(7L, "Grace");

        byte[] bytes = serialize("customers-dereferenced", config, record);

        assertEquals(record, deserialize("customers-dereferenced", config, bytes));
        String stored = text(versions("default", "customers-dereferenced-value").byVersionExpression("1").content()
                .get());
        assertTrue(stored.contains("\"name\":\"Value\""), "registered inline: " + stored);
    }

    @Test
    void serializerFindsAnAlreadyRegisteredSchemaWithoutAutoRegister() {
        Schema customer = new Schema.Parser().parse(CUSTOMER_V1);
        client.groups().byGroupId("default").artifacts()
                .post(createArtifact("lookup-value", customer.toString()));
        GenericRecord record = new GenericData.Record(customer);
        record.put("id", 1L);
        record.put("segment_id", 3);

        for (boolean findLatest : new boolean[] {false, true}) {
            Map<String, Object> config = serdeConfig(server.url());
            config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, false);
            config.put(SerdeConfig.FIND_LATEST_ARTIFACT, findLatest);
            byte[] bytes = serialize("lookup", config, record);
            assertEquals(record, deserialize("lookup", config, bytes));
        }
        assertEquals(1, versions("default", "lookup-value").get().getCount());
    }

    @Test
    void serializerIsRefusedAnIncompatibleSchema() {
        Map<String, Object> config = serdeConfig(server.url());
        GenericRecord v1 = new GenericData.Record(new Schema.Parser().parse(CUSTOMER_V1));
        v1.put("id", 1L);
        v1.put("segment_id", 3);
        serialize("evolving", config, v1);

        GenericRecord changed = new GenericData.Record(new Schema.Parser().parse(CUSTOMER_SEGMENT_AS_STRING));
        changed.put("id", 1L);
        changed.put("segment_id", "gold");
        RuntimeException e = assertThrows(RuntimeException.class, () -> serialize("evolving", config, changed));

        RuleViolationProblemDetails cause = assertInstanceOf(RuleViolationProblemDetails.class, e.getCause());
        assertTrue(cause.getDetail().contains("io.tributary.demo.Customer.segment_id"), cause.getDetail());
    }

    @Test
    void idsInRecordsStillResolveAfterARestartOnTheSameDataDirectory(@TempDir Path ownDir) throws IOException {
        SchemaRegistryServer own = new SchemaRegistryServer("127.0.0.1", 0, ownDir);
        own.start();
        String url = own.url();
        int port = own.port();
        Map<String, Object> byGlobalId = serdeConfig(url);
        byGlobalId.put(SerdeConfig.USE_ID, "globalId");
        Map<String, Object> byContentId = serdeConfig(url);
        GenericRecord record = envelope(1L, "Linus");
        byte[] withGlobalId;
        byte[] withContentId;
        try {
            withGlobalId = serialize("restart", byGlobalId, record);
            withContentId = serialize("restart", byContentId, record);
        } finally {
            own.stop();
        }

        SchemaRegistryServer restarted = new SchemaRegistryServer("127.0.0.1", port, ownDir);
        restarted.start();
        try {
            assertEquals(url, restarted.url());
            assertEquals(record, deserialize("restart", byGlobalId, withGlobalId));
            assertEquals(record, deserialize("restart", byContentId, withContentId));
        } finally {
            restarted.stop();
        }
    }

    // ---------------------------------------------------------------- helpers

    static Map<String, Object> serdeConfig(String url) {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.REGISTRY_URL, url);
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        return config;
    }

    static byte[] serialize(String topic, Map<String, Object> config, GenericRecord record) {
        try (AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>()) {
            serializer.configure(config, false);
            return serializer.serialize(topic, record);
        }
    }

    /** A fresh deserializer each time: nothing comes from a schema cache. */
    static GenericRecord deserialize(String topic, Map<String, Object> config, byte[] bytes) {
        try (AvroKafkaDeserializer<GenericRecord> deserializer = new AvroKafkaDeserializer<>()) {
            deserializer.configure(config, false);
            return deserializer.deserialize(topic, bytes);
        }
    }

    static GenericRecord envelope(long id, String name) {
        Schema valueSchema = ENVELOPE.getField("after").schema().getTypes().get(1);
        GenericRecord value = new GenericData.Record(valueSchema);
        value.put("id", id);
        value.put("name", name);
        GenericRecord source = new GenericData.Record(ENVELOPE.getField("source").schema());
        source.put("lsn", 1234L);
        GenericRecord envelope = new GenericData.Record(ENVELOPE);
        envelope.put("after", value);
        envelope.put("source", source);
        envelope.put("op", "c");
        return envelope;
    }

    static io.apicurio.registry.rest.client.groups.item.artifacts.item.versions.VersionsRequestBuilder versions(
            String groupId, String artifactId) {
        return client.groups().byGroupId(groupId).artifacts().byArtifactId(artifactId).versions();
    }

    static CreateArtifact createArtifact(String artifactId, String schema) {
        CreateArtifact artifact = new CreateArtifact();
        artifact.setArtifactId(artifactId);
        artifact.setArtifactType("AVRO");
        artifact.setFirstVersion(createVersion(schema));
        return artifact;
    }

    static CreateVersion createVersion(String schema) {
        VersionContent content = new VersionContent();
        content.setContent(schema);
        content.setContentType("application/json");
        CreateVersion version = new CreateVersion();
        version.setContent(content);
        return version;
    }

    static String text(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
