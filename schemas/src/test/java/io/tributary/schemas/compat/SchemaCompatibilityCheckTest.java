package io.tributary.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCompatibilityCheckTest {

    private static final Path COMMITTED_SCHEMAS = Path.of("src/main/avro");
    private static final Path COMMITTED_HISTORY = Path.of("src/main/avro-history");

    @TempDir
    Path temp;

    private Path schemas;
    private Path history;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @BeforeEach
    void copyCommittedSchemas() throws IOException {
        schemas = copy(COMMITTED_SCHEMAS, temp.resolve("avro"));
        history = copy(COMMITTED_HISTORY, temp.resolve("avro-history"));
    }

    @Test
    void committedSchemasPassAgainstCommittedHistory() throws IOException {
        assertThat(run(COMMITTED_SCHEMAS, COMMITTED_HISTORY, false)).isZero();

        assertThat(output()).contains(
                "io.tributary.avro.Op: unchanged since v1",
                "io.tributary.avro.Source: unchanged since v1",
                "io.tributary.demo.CustomerChange: unchanged since v1",
                "io.tributary.demo.CustomerSegmentChange: unchanged since v1",
                "io.tributary.demo.OrderChange: unchanged since v1",
                "io.tributary.demo.CustomerViewChange: unchanged since v1");
        assertThat(output().lines()).hasSize(13).allMatch(line -> line.endsWith("unchanged since v1"));
    }

    @Test
    void incompatibleEditFailsNamingTheField() throws IOException {
        edit(schemas.resolve("demo/Customer.avsc"), "\"type\": [\"null\", \"int\"]", "\"type\": [\"null\", \"string\"]");

        assertThat(run(schemas, history, false)).isEqualTo(1);

        assertThat(output()).contains(
                "io.tributary.demo.Customer: INCOMPATIBLE with v1",
                "  io.tributary.demo.Customer.segment_id: type changed from [null, int] to [null, string]",
                "io.tributary.demo.CustomerChange: INCOMPATIBLE with v1",
                "  io.tributary.demo.Customer.segment_id (in io.tributary.demo.CustomerChange.after): type changed",
                "io.tributary.demo.CustomerKey: unchanged since v1",
                "Schema compatibility check failed: 2 schema(s)");
    }

    @Test
    void compatibleEditPassesAndIsRecordedAsTheNextVersion() throws IOException {
        edit(schemas.resolve("demo/CustomerSegment.avsc"), "{\"name\": \"tier\", \"type\": \"string\"},",
                "{\"name\": \"tier\", \"type\": \"string\"},\n"
                        + "    {\"name\": \"color\", \"type\": [\"null\", \"string\"], \"default\": null},");

        assertThat(run(schemas, history, false)).isZero();
        assertThat(output()).contains("io.tributary.demo.CustomerSegment: compatible with v1, changed");
        assertThat(history.resolve("io.tributary.demo.CustomerSegment/v2.avsc")).doesNotExist();

        assertThat(run(schemas, history, true)).isZero();
        assertThat(output()).contains(
                "io.tributary.demo.CustomerSegment: compatible with v1; recording v2",
                "io.tributary.demo.CustomerSegmentChange: compatible with v1; recording v2");
        Schema recorded = new Schema.Parser().parse(history.resolve("io.tributary.demo.CustomerSegment/v2.avsc").toFile());
        assertThat(recorded.getField("color")).isNotNull();

        assertThat(run(schemas, history, false)).isZero();
        assertThat(output()).contains("io.tributary.demo.CustomerSegment: unchanged since v2");
    }

    @Test
    void nothingIsRecordedWhenAnySchemaIsIncompatible() throws IOException {
        edit(schemas.resolve("demo/Order.avsc"), "{\"name\": \"status\", \"type\": \"string\"},",
                "{\"name\": \"status\", \"type\": \"string\"},\n    {\"name\": \"channel\", \"type\": \"string\"},");
        Files.writeString(schemas.resolve("demo/Refund.avsc"), """
                {"type": "record", "name": "Refund", "namespace": "io.tributary.demo",
                 "fields": [{"name": "id", "type": "long"}]}""");

        assertThat(run(schemas, history, true)).isEqualTo(1);

        assertThat(output()).contains(
                "io.tributary.demo.Order.channel: added without a default value",
                "io.tributary.demo.Refund: new, no released version",
                "nothing recorded");
        assertThat(history.resolve("io.tributary.demo.Refund")).doesNotExist();
    }

    @Test
    void newSchemaWithoutHistoryIsAccepted() throws IOException {
        Files.writeString(schemas.resolve("demo/Refund.avsc"), """
                {"type": "record", "name": "Refund", "namespace": "io.tributary.demo",
                 "fields": [{"name": "id", "type": "long"}, {"name": "order", "type": "Order"}]}""");

        assertThat(run(schemas, history, false)).isZero();
        assertThat(output()).contains("io.tributary.demo.Refund: new, no released version");
    }

    @Test
    void unknownTypeFailsNamingTheFile() throws IOException {
        edit(schemas.resolve("demo/OrderChange.avsc"), "\"type\": \"OrderKey\"", "\"type\": \"OrderId\"");

        assertThat(run(schemas, history, false)).isEqualTo(1);
        assertThat(output()).contains("Schema compatibility check failed: cannot resolve the schemas under " + schemas
                + ": Undefined schema: io.tributary.demo.OrderId");
    }

    private int run(Path schemaDir, Path historyDir, boolean record) throws IOException {
        output.reset();
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            return SchemaCompatibilityCheck.run(schemaDir, historyDir, record, out);
        }
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(source -> {
                try {
                    Files.copy(source, to.resolve(from.relativize(source).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return to;
    }
}
