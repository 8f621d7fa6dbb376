package io.tributary.tools.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.stack.LocalStack;
import io.tributary.stack.PostgresServer;
import io.tributary.stack.RedisServer;
import io.tributary.stack.S3ProxyServer;
import io.tributary.stack.StackLayout;
import io.tributary.tools.workload.WorkloadGenerator;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Reconcile against real PostgreSQL, Redis and S3 holding rows in the sink's layout: clean when all agree,
 * and the exact keys when a Redis key is deleted or a source row changes behind the pipeline's back.
 */
class ReconcileIT {

    @TempDir
    static Path dir;
    static PostgresServer postgres;
    static RedisServer redis;
    static S3ProxyServer s3;
    static ReconcileMain.Endpoints endpoints;
    static final List<ReconcileMain.Pair> PAIRS = List.of(ReconcileMain.DEMO.get(0));

    static final Schema LAKE_ROW = SchemaBuilder.record("CustomerViewLakeRow").fields()
            .optionalLong("id").optionalString("name").optionalInt("segment_id")
            .requiredString("_op").requiredString("_event_id").requiredLong("_lsn")
            .name("_source_ts").type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .endRecord();

    @BeforeAll
    static void start() {
        LocalStack.Ports ports = LocalStack.Ports.free();
        postgres = new PostgresServer(dir.resolve("pg"), ports.postgres(), "tributary");
        redis = new RedisServer(dir.resolve("redis"), ports.redis());
        s3 = new S3ProxyServer(dir.resolve("s3"), ports.s3(), List.of("lake"), StackLayout.discover());
        postgres.start();
        redis.start();
        s3.start();
        endpoints = new ReconcileMain.Endpoints(postgres.jdbcUrl(), "postgres", redis.uri(), "tributary:", s3.endpoint(),
                S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, "lake", "");
    }

    @AfterAll
    static void stop() {
        s3.stop();
        redis.stop();
        postgres.stop();
    }

    @BeforeEach
    void pipelineHasCarriedEveryChange() throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            WorkloadGenerator.createDemoSchema(c);
            s.execute("TRUNCATE customers");
            s.execute("INSERT INTO customers (id, name, email, segment_id) VALUES (1, 'Ada', 'ada@example.com', 2), (2, 'Grace', NULL, NULL), (3, 'Alan', 'a@x', 1)");
        }
        redis("FLUSHALL");
        redis("HSET", "tributary:customer_view:1", "id", "1", "name", "Ada", "segment_id", "2", "_lsn", "00000000000000000100", "_op", "INSERT");
        redis("HSET", "tributary:customer_view:2", "id", "2", "name", "Grace", "_lsn", "00000000000000000300", "_op", "UPDATE");
        redis("HSET", "tributary:customer_view:3", "id", "3", "name", "Alan", "segment_id", "1", "_lsn", "00000000000000000120", "_op", "INSERT");
        redis("SET", "tributary:~deleted:customer_view:4", "00000000000000000500");

        Path file = dir.resolve("lake.parquet");
        Files.deleteIfExists(file);
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration()).withSchema(LAKE_ROW).build()) {
            writer.write(row(1L, "Ada", 2, "INSERT", 100));
            writer.write(row(2L, "Grace", 1, "INSERT", 110));
            writer.write(row(3L, "Alan", 1, "INSERT", 120));
            writer.write(row(2L, "Grace", null, "UPDATE", 300));
            writer.write(row(4L, "Edsger", 3, "INSERT", 400));
            writer.write(row(4L, null, null, "DELETE", 500));
        }
        try (S3Client client = ReconcileMain.s3(endpoints)) {
            client.putObject(b -> b.bucket("lake").key("customer_view/dt=2026-11-23/hr=21/tributary.view.customer_view+0+0-5.parquet"),
                    RequestBody.fromFile(file));
        }
    }

    @Test
    void cleanWhenPostgresRedisAndTheLakeAgree() throws Exception {
        Report report = reconcile();
        assertThat(report.clean()).as(report.text()).isTrue();
        assertThat(report.text()).contains("redis    CLEAN  rows: source 3, redis 3", "lake     CLEAN  rows: source 3, lake 3",
                "6 changes in 1 files, 6 distinct event ids, 0 duplicates");
    }

    @Test
    void namesTheKeyDeletedFromRedisByHand() throws Exception {
        redis("DEL", "tributary:customer_view:3");
        Report report = reconcile();
        assertThat(report.clean()).isFalse();
        assertThat(report.text()).contains("redis    DRIFT", "missing in redis (1): 3", "lake     CLEAN");
    }

    @Test
    void namesTheKeyChangedInPostgresWhileThePipelineWasStopped() throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("UPDATE customers SET name = 'Ada L.' WHERE id = 1");
        }
        Report report = reconcile();
        assertThat(report.clean()).isFalse();
        assertThat(report.text()).contains("different in redis (1): 1 (name: source=Ada L. other=Ada)",
                "different in lake (1): 1 (name: source=Ada L. other=Ada)");
    }

    @Test
    void watchAlertsOnlyOnDriftThatOutlastsOneInterval() throws Exception {
        String redisSide = "{table=\"customers\",view=\"customer_view\",side=\"redis\"} ";
        try (ReconcileWatch watch = new ReconcileWatch(endpoints, PAIRS, "127.0.0.1", 0)) {
            assertThat(get(watch, "/reconcile").statusCode()).as("before the first run").isEqualTo(503);
            watch.runOnce();
            assertThat(get(watch, "/reconcile").statusCode()).isEqualTo(200);
            assertThat(get(watch, "/metrics").body()).contains("tributary_reconcile_drift_keys" + redisSide + "0",
                    "tributary_reconcile_source_rows{table=\"customers\",view=\"customer_view\"} 3");

            redis("DEL", "tributary:customer_view:3");
            watch.runOnce();
            assertThat(get(watch, "/metrics").body()).as("a change may still be in flight")
                    .contains("tributary_reconcile_drift_keys" + redisSide + "1", "tributary_reconcile_persistent_drift_keys" + redisSide + "0");
            assertThat(get(watch, "/reconcile").statusCode()).isEqualTo(200);

            watch.runOnce();
            assertThat(get(watch, "/metrics").body()).contains("tributary_reconcile_persistent_drift_keys" + redisSide + "1",
                    "tributary_reconcile_runs_total 3");
            HttpResponse<String> report = get(watch, "/reconcile");
            assertThat(report.statusCode()).isEqualTo(409);
            assertThat(report.body()).contains("persistent drift in redis (1): 3");
        }
    }

    private static HttpResponse<String> get(ReconcileWatch watch, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + watch.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    record Report(boolean clean, String text) {
    }

    private static Report reconcile() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean clean = ReconcileMain.run(endpoints, PAIRS, new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Report(clean, out.toString(StandardCharsets.UTF_8));
    }

    private static GenericRecord row(Long id, String name, Integer segment, String op, long lsn) {
        GenericRecord row = new GenericData.Record(LAKE_ROW);
        row.put("id", id);
        row.put("name", name);
        row.put("segment_id", segment);
        row.put("_op", op);
        row.put("_event_id", "event-" + lsn);
        row.put("_lsn", lsn);
        row.put("_source_ts", 1_795_469_000_000L + lsn);
        return row;
    }

    private static void redis(String command, String... args) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            RedisConnection connection = Redis.createClient(vertx, redis.uri()).connect().toCompletionStage().toCompletableFuture().get();
            Request request = Request.cmd(Command.create(command));
            for (String arg : args) {
                request.arg(arg);
            }
            connection.send(request).toCompletionStage().toCompletableFuture().get();
            connection.close();
        } finally {
            vertx.close();
        }
    }
}
