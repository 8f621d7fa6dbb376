package io.tributary.registry;

import io.tributary.registry.AvroRules.Compatibility;
import io.tributary.registry.RegistryStore.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static io.tributary.registry.AvroRulesTest.CUSTOMER_SEGMENT_AS_STRING;
import static io.tributary.registry.AvroRulesTest.CUSTOMER_V1;
import static io.tributary.registry.AvroRulesTest.CUSTOMER_V2_NULLABLE_EMAIL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryStoreTest {

    @TempDir
    Path dir;

    static Api.CreateArtifact artifact(String artifactId, String schema, Api.ArtifactReference... references) {
        return new Api.CreateArtifact(artifactId, "AVRO", null, null, null, version(schema, references));
    }

    static Api.CreateVersion version(String schema, Api.ArtifactReference... references) {
        return new Api.CreateVersion(null, new Api.VersionContent(schema, "application/json", List.of(references)),
                null, null, null, null, null);
    }

    static RegistryException refused(Runnable action) {
        return assertThrows(RegistryException.class, action::run);
    }

    @Test
    void idsSurviveARestartAndNewIdsContinueAfterThem() throws IOException {
        Api.VersionMetaData v1;
        Api.VersionMetaData v2;
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            v1 = store.createArtifact("g", artifact("customers-value", CUSTOMER_V1), null, false, false).version();
            v2 = store.createVersion("g", "customers-value", version(CUSTOMER_V2_NULLABLE_EMAIL), false);
        }
        assertEquals(List.of(1L, 2L), List.of(v1.globalId(), v2.globalId()));

        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            assertEquals(CUSTOMER_V1, store.contentByGlobalId(v1.globalId(), false));
            assertEquals(CUSTOMER_V2_NULLABLE_EMAIL, store.contentById(v2.contentId()));
            assertEquals("2", store.versionMeta("g", "customers-value", "branch=latest").version());
            assertEquals(v2.contentId(), store.versionMeta("g", "customers-value", "2").contentId());

            Api.VersionMetaData v3 = store.createArtifact("g", artifact("orders-value",
                    CUSTOMER_V1.replace("Customer", "Order")), null, false, false).version();
            assertEquals(3L, v3.globalId());
            assertEquals(3L, v3.contentId());
            assertRefusedAsIncompatible(() -> store.createVersion("g", "customers-value",
                    version(CUSTOMER_SEGMENT_AS_STRING), false));
        }
    }

    @Test
    void contentIsSharedByCanonicalFormAndReferences() throws IOException {
        try (RegistryStore store = new RegistryStore(null, Compatibility.BACKWARD)) {
            Api.VersionMetaData a = store.createArtifact("g", artifact("a", CUSTOMER_V1), null, false, false)
                    .version();
            String reformatted = CUSTOMER_V1.replace("\n", " ").replace(":", " : ");
            Api.VersionMetaData b = store.createArtifact("g", artifact("b", reformatted), null, false, false)
                    .version();

            assertNotEquals(a.globalId(), b.globalId());
            assertEquals(a.contentId(), b.contentId());
            assertEquals(CUSTOMER_V1, store.contentById(b.contentId()));
            assertEquals(CUSTOMER_V1, store.contentByHash(RegistryStore.sha256(reformatted)));
        }
    }

    @Test
    void findOrCreateVersionReturnsTheExistingVersionForTheSameContent() throws IOException {
        try (RegistryStore store = new RegistryStore(null, Compatibility.BACKWARD)) {
            long first = store.createArtifact("g", artifact("c", CUSTOMER_V1), "FIND_OR_CREATE_VERSION", false,
                    false).version().globalId();

            assertEquals(first, store.createArtifact("g", artifact("c", CUSTOMER_V1), "FIND_OR_CREATE_VERSION",
                    false, false).version().globalId());
            String reformatted = CUSTOMER_V1.replace("\n", "");
            assertEquals(first, store.createArtifact("g", artifact("c", reformatted), "FIND_OR_CREATE_VERSION",
                    true, false).version().globalId());
            Api.VersionMetaData created = store.createArtifact("g", artifact("c", reformatted),
                    "FIND_OR_CREATE_VERSION", false, false).version();
            assertEquals("2", created.version());
            assertEquals(409, refused(() -> store.createArtifact("g", artifact("c", CUSTOMER_V1), null, false,
                    false)).status());
            assertEquals("ArtifactAlreadyExistsException", refused(() -> store.createArtifact("g",
                    artifact("c", CUSTOMER_V1), "FAIL", false, false)).name());
        }
    }

    @Test
    void dryRunChecksRulesWithoutStoringAnything() throws IOException {
        try (RegistryStore store = new RegistryStore(null, Compatibility.BACKWARD)) {
            store.createArtifact("g", artifact("d", CUSTOMER_V1), null, false, false);

            Api.VersionMetaData preview = store.createVersion("g", "d", version(CUSTOMER_V2_NULLABLE_EMAIL), true);
            assertNull(preview.globalId());
            assertEquals(1, store.listVersions("g", "d", null, null, 0, 20).count());
            assertRefusedAsIncompatible(() -> store.createVersion("g", "d", version(CUSTOMER_SEGMENT_AS_STRING),
                    true));
        }
    }

    @Test
    void artifactRulesOverrideGroupAndGlobalRulesAndArePersisted() throws IOException {
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            store.createArtifact("g", artifact("e", CUSTOMER_V1), null, false, false);
            store.createArtifact("g", artifact("f", CUSTOMER_V1), null, false, false);
            store.createRule(new Scope("g", "e"), new Api.Rule("COMPATIBILITY", "NONE"));
            assertEquals(409, refused(() -> store.createRule(new Scope("g", "e"),
                    new Api.Rule("COMPATIBILITY", "FULL"))).status());
        }
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            assertEquals(List.of("COMPATIBILITY"), store.listRules(new Scope("g", "e")));
            assertEquals("2", store.createVersion("g", "e", version(CUSTOMER_SEGMENT_AS_STRING), false).version());
            assertRefusedAsIncompatible(() -> store.createVersion("g", "f", version(CUSTOMER_SEGMENT_AS_STRING),
                    false));

            store.createRule(new Scope("g", null), new Api.Rule("COMPATIBILITY", "NONE"));
            assertEquals("2", store.createVersion("g", "f", version(CUSTOMER_SEGMENT_AS_STRING), false).version());

            store.deleteRule(new Scope("g", "e"), "COMPATIBILITY");
            assertEquals(404, refused(() -> store.getRule(new Scope("g", "e"), "COMPATIBILITY")).status());
            assertEquals("ArtifactNotFoundException", refused(() -> store.listRules(new Scope("g", "nope"))).name());
        }
    }

    @Test
    void theDefaultGlobalRuleCanBeOverriddenButNotDeleted() throws IOException {
        try (RegistryStore store = new RegistryStore(null, Compatibility.BACKWARD)) {
            assertEquals(List.of("COMPATIBILITY"), store.listRules(Scope.GLOBAL));
            assertEquals(new Api.Rule("COMPATIBILITY", "BACKWARD"), store.getRule(Scope.GLOBAL, "COMPATIBILITY"));
            assertEquals("DefaultRuleDeletionException",
                    refused(() -> store.deleteRule(Scope.GLOBAL, "COMPATIBILITY")).name());

            store.updateRule(Scope.GLOBAL, "COMPATIBILITY", new Api.Rule(null, "none"));
            store.createArtifact("g", artifact("h", CUSTOMER_V1), null, false, false);
            assertEquals("2", store.createVersion("g", "h", version(CUSTOMER_SEGMENT_AS_STRING), false).version());

            store.deleteRule(Scope.GLOBAL, "COMPATIBILITY");
            assertEquals("BACKWARD", store.getRule(Scope.GLOBAL, "COMPATIBILITY").config());
            assertEquals(400, refused(() -> store.updateRule(Scope.GLOBAL, "COMPATIBILITY",
                    new Api.Rule(null, "SIDEWAYS"))).status());
        }
        try (RegistryStore store = new RegistryStore(null, Compatibility.NONE)) {
            assertEquals(List.of(), store.listRules(Scope.GLOBAL));
            assertEquals("RuleNotFoundException", refused(() -> store.getRule(Scope.GLOBAL, "COMPATIBILITY")).name());
        }
    }

    @Test
    void referencesAreResolvedForParsingAndDereferencing() throws IOException {
        String address = """
                {"type":"record","name":"Address","namespace":"io.tributary.demo","fields":[{"name":"city","type":"string"}]}""";
        String customer = """
                {"type":"record","name":"Customer","namespace":"io.tributary.demo","fields":[{"name":"address","type":"Address"}]}""";
        Api.ArtifactReference ref = new Api.ArtifactReference(null, "io.tributary.demo.Address", "1",
                "io.tributary.demo.Address");
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            store.createArtifact("default", artifact("io.tributary.demo.Address", address), null, false, false);
            assertEquals("RuleViolationException", refused(() -> store.createArtifact("default",
                    artifact("customers-value", customer), null, false, false)).name());
            store.createArtifact("default", artifact("customers-value", customer, ref), null, false, false);
        }
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            long globalId = store.versionMeta("default", "customers-value", "branch=latest").globalId();
            assertEquals(customer, store.contentByGlobalId(globalId, false));
            assertTrue(store.contentByGlobalId(globalId, true).contains("\"city\""));
            assertEquals(List.of(new Api.ArtifactReference("default", "io.tributary.demo.Address", "1",
                    "io.tributary.demo.Address")), store.referencesByGlobalId(globalId, false));
            assertEquals(List.of(new Api.ArtifactReference("default", "customers-value", "1",
                    "io.tributary.demo.Address")), store.referencesOfVersion("default", "io.tributary.demo.Address",
                    "1", true));
        }
    }

    @Test
    void searchFindsVersionsByContent() throws IOException {
        try (RegistryStore store = new RegistryStore(null, Compatibility.BACKWARD)) {
            store.createArtifact("g", artifact("s", CUSTOMER_V1), null, false, false);
            store.createVersion("g", "s", version(CUSTOMER_V2_NULLABLE_EMAIL), false);

            Api.VersionSearchResults found = store.searchVersions(Map.of("groupId", "g", "artifactId", "s"),
                    CUSTOMER_V2_NULLABLE_EMAIL, false, "globalId", "desc", 0, 100);
            assertEquals(1, found.count());
            assertEquals("2", found.versions().get(0).version());
            assertEquals(0, store.searchVersions(Map.of(), CUSTOMER_V1.replace("\n", ""), false, null, null, 0, 100)
                    .count());
            assertEquals(1, store.searchVersions(Map.of(), CUSTOMER_V1.replace("\n", ""), true, null, null, 0, 100)
                    .count());
        }
    }

    @Test
    void anIncompleteLastLineIsDroppedButACorruptLineStopsTheStart() throws IOException {
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            store.createArtifact("g", artifact("t", CUSTOMER_V1), null, false, false);
        }
        Path file = dir.resolve(EventLog.FILE_NAME);
        Files.writeString(file, "{\"event\":\"version\",\"globalId\":2,", StandardOpenOption.APPEND);

        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            assertEquals(1L, store.versionMeta("g", "t", "1").globalId());
            assertEquals(2L, store.createVersion("g", "t", version(CUSTOMER_V2_NULLABLE_EMAIL), false).globalId());
        }

        Files.writeString(file, "not json\n" + Files.readString(file), StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> new RegistryStore(dir, Compatibility.BACKWARD));
        assertTrue(e.getMessage().contains("Corrupt line 1"), e.getMessage());
    }

    @Test
    void oneWriterPerDataDirectory() throws IOException {
        try (RegistryStore ignored = new RegistryStore(dir, Compatibility.BACKWARD)) {
            IOException e = assertThrows(IOException.class, () -> new RegistryStore(dir, Compatibility.BACKWARD));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    @Test
    void onlyAvroIsSupported() throws IOException {
        try (RegistryStore store = new RegistryStore(null, Compatibility.BACKWARD)) {
            RegistryException e = refused(() -> store.createArtifact("g", new Api.CreateArtifact("p", "PROTOBUF",
                    null, null, null, version("syntax = \"proto3\";")), null, false, false));
            assertEquals(400, e.status());
            assertEquals("InvalidArtifactTypeException", e.name());
            assertEquals("RuleViolationException", refused(() -> store.createArtifact("g", artifact("x", "{nope"),
                    null, false, false)).name());
        }
    }

    @Test
    void concurrentWritersGetDistinctIdsThatSurviveARestart() throws Exception {
        int writers = 8;
        int perWriter = 25;
        List<Long> globalIds = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD);
                var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        String schema = CUSTOMER_V1.replace("Customer", "Customer" + i);
                        globalIds.add(store.createArtifact("g", artifact("a" + i, schema), "FIND_OR_CREATE_VERSION",
                                false, false).version().globalId());
                        globalIds.add(store.createArtifact("g", artifact("w" + writer + "-" + i, schema), null, false,
                                false).version().globalId());
                    }
                }));
            }
            for (var f : done) {
                f.get();
            }
        }
        // a<i> has one version however many writers raced to register it; every w<n>-<i> has its own
        assertEquals(perWriter + writers * perWriter, globalIds.stream().distinct().count());
        try (RegistryStore store = new RegistryStore(dir, Compatibility.BACKWARD)) {
            assertEquals(perWriter, store.searchVersions(Map.of("groupId", "g"), null, false, null, null, 0, 1000)
                    .versions().stream().map(Api.VersionMetaData::contentId).distinct().count());
            assertEquals(perWriter + writers * perWriter + 1L, store.createArtifact("g", artifact("last",
                    CUSTOMER_V1), null, false, false).version().globalId());
        }
    }

    static void assertRefusedAsIncompatible(Runnable action) {
        RegistryException e = refused(action);
        assertEquals(409, e.status());
        assertEquals("RuleViolationException", e.name());
        Api.ProblemDetails problem = e.toProblemDetails();
        assertTrue(problem.detail().contains("field io.tributary.demo.Customer.segment_id: reader type STRING not"
                + " compatible with writer type INT"), problem.detail());
        assertEquals(1, problem.causes().size());
    }
}
