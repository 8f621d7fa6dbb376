package io.tributary.capture.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.capture.health.CaptureState;
import io.tributary.capture.it.TopicReader.Change;
import io.tributary.testsupport.Http;

/**
 * A nullable column added mid-stream gives a new compatible schema version and old records stay readable;
 * an incompatible type change stops capture with an error naming table and field, and nothing is emitted for it.
 * One ordered scenario (the last step stops the engine of this application).
 */
@QuarkusTest
@QuarkusTestResource(value = CaptureResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "db", value = "schema_it"),
        @ResourceArg(name = "tables", value = "public.customers")
})
class SchemaEvolutionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final CaptureDatabase DB = new CaptureDatabase("schema_it");
    private static final String TOPIC = DB.prefix() + ".public.customers";

    @Inject
    CaptureState state;

    private static void sql(String... statements) throws SQLException {
        try (Connection c = DB.connect(); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        }
    }

    private static long count(List<Change> all, long id) {
        return all.stream().filter(c -> c.key().get("id").equals(id)).count();
    }

    private TopicReader reader() {
        return new TopicReader(DB.bootstrapServers(), DB.registryUrl(), Pattern.compile(Pattern.quote(TOPIC)))
                .failWhen(() -> state.status().phase() == CaptureState.Phase.FAILED ? state.status().detail() : null);
    }

    @Test
    void addNullableColumnThenRefuseIncompatibleTypeChange() throws Exception {
        Awaitility.await().atMost(WAIT).until(() -> state.status().phase() != CaptureState.Phase.STARTING);
        try (TopicReader reader = reader()) {
            sql("INSERT INTO customers (id, name, segment_id) VALUES (1, 'before', 1)");
            reader.until(WAIT, all -> count(all, 1) == 1);

            sql("ALTER TABLE customers ADD COLUMN nickname text",
                    "INSERT INTO customers (id, name, segment_id, nickname) VALUES (2, 'after', 2, 'nick')");
            List<Change> all = reader.until(WAIT, seen -> count(seen, 2) == 1);
            Change second = all.stream().filter(c -> c.key().get("id").equals(2L)).findFirst().orElseThrow();
            assertThat(second.after().get("nickname").toString()).isEqualTo("nick");
            assertThat(versions(TOPIC + "-value")).isEqualTo(2);
        }
        try (TopicReader again = reader()) {
            List<Change> all = again.until(WAIT, seen -> count(seen, 1) == 1 && count(seen, 2) == 1);
            Change first = all.stream().filter(c -> c.key().get("id").equals(1L)).findFirst().orElseThrow();
            assertThat(first.after().getSchema().getField("nickname")).as("old record read with its own schema").isNull();
            assertThat(first.after().get("name").toString()).isEqualTo("before");
        }

        sql("ALTER TABLE customers ALTER COLUMN segment_id TYPE text",
                "INSERT INTO customers (id, name, segment_id) VALUES (3, 'incompatible', 'three')");
        Awaitility.await().atMost(WAIT).until(() -> state.status().phase() == CaptureState.Phase.FAILED);
        String detail = state.status().detail();
        System.out.println("capture stopped: " + detail);
        assertThat(detail).contains("public.customers").contains("segment_id");
        given().get("/q/health/live").then().statusCode(503).body(containsString("segment_id"));
        given().get("/q/metrics").then().body(containsString("tributary_capture_schema_refused_total{table=\"public.customers\"} 1.0"));
        assertThat(versions(TOPIC + "-value")).isEqualTo(2);

        try (TopicReader last = new TopicReader(DB.bootstrapServers(), DB.registryUrl(), Pattern.compile(Pattern.quote(TOPIC)))) {
            List<Change> all = last.until(WAIT, seen -> count(seen, 1) == 1 && count(seen, 2) == 1);
            assertThat(all).hasSize(2);
            assertThat(count(all, 3)).isZero();
        }
    }

    private static int versions(String artifact) throws Exception {
        HttpClient http = Http.client();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create(DB.registryUrl() + "/groups/default/artifacts/" + artifact + "/versions")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        java.util.regex.Matcher m = Pattern.compile("\"count\"\\s*:\\s*(\\d+)").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
