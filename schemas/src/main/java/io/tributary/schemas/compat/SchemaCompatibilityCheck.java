package io.tributary.schemas.compat;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;

/**
 * The build-time compatibility check of the schema module.
 * <p>
 * Parses every {@code .avsc} under a schema directory with one parser (so files may refer to the types of other
 * files), and checks each file's top-level schema against its latest released version,
 * {@code <history-dir>/<full.name>/v<N>.avsc} with the highest N, using {@link AvroCompatibility#checkBackward}. A
 * schema without history is new and accepted. Prints one line per schema; returns (as {@code main}: exits with) 1 when
 * any schema is incompatible or cannot be parsed.
 * <p>
 * With {@code -Dschemas.record=true}, when every schema passes, each schema that differs from its latest version (or
 * has none) is written as the next version: that is the release step.
 */
public final class SchemaCompatibilityCheck {

    /** System property that turns recording on. */
    public static final String RECORD_PROPERTY = "schemas.record";

    private static final Pattern VERSION_FILE = Pattern.compile("v(\\d+)\\.avsc");

    private SchemaCompatibilityCheck() {
    }

    /** {@code SchemaCompatibilityCheck <schema-dir> <history-dir>}; records with {@code -Dschemas.record=true}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: SchemaCompatibilityCheck <schema-dir> <history-dir> [-D" + RECORD_PROPERTY
                    + "=true]");
            System.exit(2);
        }
        System.exit(run(Path.of(args[0]), Path.of(args[1]), Boolean.getBoolean(RECORD_PROPERTY), System.out));
    }

    /**
     * Checks every top-level schema under {@code schemaDir} against its latest version under {@code historyDir}.
     *
     * @param record write changed (or new) compatible schemas as their next version, if all schemas pass
     * @param out    receives one line per schema, and one per problem
     * @return 0 when all schemas are compatible, 1 otherwise
     */
    public static int run(Path schemaDir, Path historyDir, boolean record, PrintStream out) throws IOException {
        Map<String, Schema> current;
        try {
            current = parseTopLevelSchemas(schemaDir);
        } catch (AvroRuntimeException e) {
            out.println("Schema compatibility check failed: " + e.getMessage());
            return 1;
        }

        List<Runnable> recordings = new ArrayList<>();
        int incompatible = 0;
        for (Map.Entry<String, Schema> entry : current.entrySet()) {
            String name = entry.getKey();
            Schema schema = entry.getValue();
            Path versions = historyDir.resolve(name);
            Optional<Integer> latest = latestVersion(versions);
            if (latest.isEmpty()) {
                out.println(name + ": new, no released version" + (record ? "; recording v1" : ""));
                recordings.add(() -> write(versions.resolve("v1.avsc"), schema));
                continue;
            }
            int version = latest.get();
            Path released = versions.resolve("v" + version + ".avsc");
            Schema previous;
            try {
                previous = new SchemaParser().parse(released).mainSchema();
            } catch (AvroRuntimeException e) {
                out.println(name + ": cannot parse " + released + ": " + e.getMessage());
                incompatible++;
                continue;
            }
            List<String> problems = AvroCompatibility.checkBackward(previous, schema);
            if (!problems.isEmpty()) {
                incompatible++;
                out.println(name + ": INCOMPATIBLE with v" + version + " (" + released + ")");
                problems.forEach(problem -> out.println("  " + problem));
            } else if (previous.toString().equals(schema.toString())) {
                out.println(name + ": unchanged since v" + version);
            } else if (record) {
                out.println(name + ": compatible with v" + version + "; recording v" + (version + 1));
                recordings.add(() -> write(versions.resolve("v" + (version + 1) + ".avsc"), schema));
            } else {
                out.println(name + ": compatible with v" + version + ", changed (release it with -D"
                        + RECORD_PROPERTY + "=true)");
            }
        }
        for (String gone : releasedNames(historyDir)) {
            if (!current.containsKey(gone)) {
                out.println(gone + ": released, but no longer defined (not checked)");
            }
        }

        if (incompatible > 0) {
            out.println("Schema compatibility check failed: " + incompatible
                    + " schema(s) cannot read data written with their latest released version" + (record
                            ? "; nothing recorded"
                            : ""));
            return 1;
        }
        recordings.forEach(Runnable::run);
        return 0;
    }

    /** The top-level schema of each file, by full name, resolved against the types of all files. */
    static Map<String, Schema> parseTopLevelSchemas(Path schemaDir) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(schemaDir)) {
            files = walk.filter(path -> path.toString().endsWith(".avsc")).sorted().toList();
        }
        SchemaParser parser = new SchemaParser();
        Map<Path, SchemaParser.ParseResult> results = new TreeMap<>();
        for (Path file : files) {
            try {
                results.put(file, parser.parse(file));
            } catch (AvroRuntimeException e) {
                throw new AvroRuntimeException(schemaDir.relativize(file) + ": " + e.getMessage(), e);
            }
        }
        // resolve only once every file is parsed: a file may refer to a type defined in a later one
        Map<String, Schema> named;
        try {
            named = parser.getParsedNamedSchemas().stream()
                    .collect(Collectors.toMap(Schema::getFullName, Function.identity()));
        } catch (AvroRuntimeException e) {
            throw new AvroRuntimeException("cannot resolve the schemas under " + schemaDir + ": " + e.getMessage(), e);
        }
        Map<String, Schema> topLevel = new TreeMap<>();
        results.forEach((file, result) -> {
            Schema main = result.mainSchema();
            if (main == null || !named.containsKey(main.getFullName())) {
                throw new AvroRuntimeException(schemaDir.relativize(file) + ": the top-level schema must be named");
            }
            topLevel.put(main.getFullName(), named.get(main.getFullName()));
        });
        return topLevel;
    }

    private static Optional<Integer> latestVersion(Path versions) throws IOException {
        if (!Files.isDirectory(versions)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(versions)) {
            return files.map(file -> VERSION_FILE.matcher(file.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(matcher -> Integer.valueOf(matcher.group(1)))
                    .max(Integer::compare);
        }
    }

    private static Set<String> releasedNames(Path historyDir) throws IOException {
        if (!Files.isDirectory(historyDir)) {
            return Set.of();
        }
        try (Stream<Path> dirs = Files.list(historyDir)) {
            return dirs.filter(Files::isDirectory)
                    .map(dir -> dir.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void write(Path file, Schema schema) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, schema.toString(true) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
