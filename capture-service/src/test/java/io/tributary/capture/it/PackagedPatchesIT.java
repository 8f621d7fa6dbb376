package io.tributary.capture.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * The packaged capture-service holds debezium-patches, and Debezium's jars in it no longer hold the classes the patches
 * replace: each class of the patches is in one jar of the application, so the copy is what loads.
 */
class PackagedPatchesIT {

    private static final Path LIB = Path.of("target", "quarkus-app", "lib", "main");

    @Test
    void eachClassOfThePatchesIsInOneJarOnly() throws IOException {
        List<Path> jars;
        try (var files = Files.list(LIB)) {
            jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList();
        }
        Path patches = jars.stream().filter(j -> j.getFileName().toString().startsWith("io.tributary.tributary-debezium-patches-"))
                .findFirst().orElseThrow(() -> new AssertionError("no debezium-patches jar in " + LIB));
        Set<String> patched = Set.copyOf(classes(patches));
        assertThat(patched).contains("io/debezium/data/SchemaUtil$RecordWriter.class",
                "io/debezium/connector/postgresql/connection/DateTimeFormat$ISODateTimeFormat.class");

        Map<String, List<String>> holders = new HashMap<>();
        for (Path jar : jars) {
            for (String c : classes(jar)) {
                if (patched.contains(c)) {
                    holders.computeIfAbsent(c, k -> new ArrayList<>()).add(jar.getFileName().toString());
                }
            }
        }
        for (String c : patched) {
            assertThat(holders.get(c)).as(c).containsExactly(patches.getFileName().toString());
        }
    }

    private static List<String> classes(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(JarEntry::getName).filter(n -> n.startsWith("io/debezium/") && n.endsWith(".class")).toList();
        }
    }
}
