package io.tributary.capture.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import jakarta.inject.Inject;
import io.tributary.capture.health.CaptureState;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.capture.it.TopicReader.Change;

/** Basic capture against real PostgreSQL, Kafka and registry: ops, keys, types, transactions, TOAST, snapshots. */
@QuarkusTest
@QuarkusTestResource(value = CaptureResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "db", value = "capture_it"),
        @ResourceArg(name = "script", value = "it/capture.sql"),
        @ResourceArg(name = "tables", value = "public.customer_segments,public.customers,public.orders,public.typed,public.docs,public.accounts")
})
class CaptureIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final CaptureDatabase DB = new CaptureDatabase("capture_it");
    private static TopicReader reader;

    @Inject
    CaptureState state;

    @BeforeAll
    static void subscribe() {
        reader = new TopicReader(DB.bootstrapServers(), DB.registryUrl(), Pattern.compile(Pattern.quote(DB.prefix()) + "\\.public\\..*"));
    }

    @BeforeEach
    void failFast() {
        // the slot exists once the task has started: only then are writes sure to be captured
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> state.status().phase() != CaptureState.Phase.STARTING);
        reader.failWhen(() -> state.status().phase() == CaptureState.Phase.FAILED ? "capture failed: " + state.status().detail() : null);
    }

    @AfterAll
    static void close() {
        reader.close();
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = DB.connect(); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        }
    }

    private static List<Change> of(List<Change> all, String table, Object id) {
        return all.stream().filter(c -> c.topic().equals(DB.prefix() + ".public." + table)
                && String.valueOf(c.key().get("id")).equals(String.valueOf(id))).toList();
    }

    /** Log changes only: the on-demand snapshot test may re-read any customers row, in any test order. */
    private static List<Change> logged(List<Change> all, String table, Object id) {
        return of(all, table, id).stream().filter(c -> !c.op().equals("READ")).toList();
    }

    @Test
    void initialSnapshotReadsExistingRows() {
        List<Change> all = reader.until(WAIT, seen -> of(seen, "customer_segments", 1).size() >= 1 && of(seen, "customer_segments", 2).size() >= 1);
        Change gold = of(all, "customer_segments", 1).get(0);
        assertThat(gold.op()).isEqualTo("READ");
        assertThat(gold.source().get("snapshot")).isEqualTo(true);
        assertThat(gold.after().get("name").toString()).isEqualTo("Gold");
        assertThat(decimal(gold.after(), "discount")).isEqualByComparingTo("12.50");
        assertThat(decimal(gold.after(), "discount").scale()).isEqualTo(2);
        assertThat(gold.value().getSchema().getFullName()).isEqualTo("io.tributary.demo.CustomerSegmentChange");
        assertThat(gold.key().getSchema().getFullName()).isEqualTo("io.tributary.demo.CustomerSegmentKey");
        assertThat(of(all, "customer_segments", 1).get(0).eventId()).isNotEqualTo(of(all, "customer_segments", 2).get(0).eventId());
    }

    @Test
    void insertUpdateDeleteArriveInOrderWithOpKeyAndLsn() throws SQLException {
        sql("INSERT INTO customers (id, name, email, segment_id) VALUES (1001, 'Ada', 'ada@example.com', 1)",
                "UPDATE customers SET name = 'Ada L.' WHERE id = 1001",
                "DELETE FROM customers WHERE id = 1001");
        List<Change> changes = logged(reader.until(WAIT, seen -> logged(seen, "customers", 1001).size() >= 3), "customers", 1001);
        assertThat(changes).extracting(Change::op).containsExactly("INSERT", "UPDATE", "DELETE");
        assertThat(changes).extracting(c -> c.partition()).containsOnly(changes.get(0).partition());
        List<Long> lsns = changes.stream().map(c -> (Long) c.source().get("lsn")).toList();
        assertThat(lsns).isSorted().doesNotHaveDuplicates();
        assertThat(changes.stream().map(Change::eventId).collect(Collectors.toSet())).hasSize(3);

        Change insert = changes.get(0);
        assertThat(insert.key().get("id")).isEqualTo(1001L);
        assertThat(insert.after().get("email").toString()).isEqualTo("ada@example.com");
        assertThat(insert.after().get("segment_id")).isEqualTo(1);
        assertThat((Long) insert.after().get("created_at")).isGreaterThan(Instant.parse("2020-01-01T00:00:00Z").toEpochMilli() * 1000);
        assertThat(insert.source().get("table").toString()).isEqualTo("customers");
        assertThat(insert.source().get("database").toString()).isEqualTo(DB.name());
        assertThat(insert.source().get("snapshot")).isEqualTo(false);
        assertThat(insert.before()).isNull();
        assertThat(insert.value().getSchema().getFullName()).isEqualTo("io.tributary.demo.CustomerChange");

        Change update = changes.get(1);
        assertThat(update.after().get("name").toString()).isEqualTo("Ada L.");
        assertThat(update.before()).as("default replica identity logs no old row").isNull();

        Change delete = changes.get(2);
        assertThat(delete.after()).isNull();
        assertThat(delete.before()).isNull();
        assertThat(delete.key().get("id")).isEqualTo(1001L);
        assertThat(delete.headers().get("tributary.event-id")).isEqualTo(delete.eventId());
    }

    @Test
    void updateOfAFullIdentityTableCarriesTheOldRow() throws SQLException {
        sql("INSERT INTO accounts (id, owner, balance) VALUES (2001, 'ann', 10.5)",
                "UPDATE accounts SET balance = 20 WHERE id = 2001",
                "DELETE FROM accounts WHERE id = 2001");
        List<Change> changes = of(reader.until(WAIT, seen -> of(seen, "accounts", 2001).size() >= 3), "accounts", 2001);
        Change update = changes.get(1);
        assertThat(update.op()).isEqualTo("UPDATE");
        assertThat(decimal(update.before(), "balance")).isEqualTo(new BigDecimal("10.50"));
        assertThat(decimal(update.after(), "balance")).isEqualTo(new BigDecimal("20.00"));
        Change delete = changes.get(2);
        assertThat(delete.after()).isNull();
        assertThat(delete.before().get("owner").toString()).isEqualTo("ann");
    }

    @Test
    void multiTableTransactionSharesOneTransactionId() throws SQLException {
        try (Connection c = DB.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO customers (id, name) VALUES (3001, 'Tx')");
                s.execute("INSERT INTO orders (id, customer_id, amount, currency, status) VALUES (3001, 3001, 99.99, 'EUR', 'new')");
                s.execute("UPDATE customer_segments SET tier = 'A+' WHERE id = 2");
            }
            c.commit();
        }
        List<Change> all = reader.until(WAIT, seen -> logged(seen, "customers", 3001).size() == 1 && logged(seen, "orders", 3001).size() == 1
                && of(seen, "customer_segments", 2).stream().anyMatch(x -> x.op().equals("UPDATE")));
        Object tx = logged(all, "customers", 3001).get(0).source().get("tx_id");
        assertThat(tx).isNotNull();
        assertThat(logged(all, "orders", 3001).get(0).source().get("tx_id")).isEqualTo(tx);
        assertThat(of(all, "customer_segments", 2).stream().filter(x -> x.op().equals("UPDATE")).findFirst().orElseThrow()
                .source().get("tx_id")).isEqualTo(tx);
    }

    @Test
    void typesAreMappedPerTheContract() throws SQLException {
        sql("""
                INSERT INTO typed VALUES (1, 7, 9000000000, 12.5, 1.23456, 3.14159265358979, 1.5, 2.25, true, 'label',
                  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": 1}', '2026-11-23 10:11:12.123456',
                  '2026-11-23 10:11:12.654321+02', '2026-11-23', '\\xdeadbeef', ARRAY['x', NULL, 'z'], ARRAY[1, 2], 'happy')""",
                "INSERT INTO typed (id, big, rate) VALUES (2, 1, 0)");
        List<Change> all = reader.until(WAIT, seen -> of(seen, "typed", 1).size() == 1 && of(seen, "typed", 2).size() == 1);
        GenericRecord row = of(all, "typed", 1).get(0).after();
        Schema schema = row.getSchema();

        assertThat(row.get("small")).isEqualTo(7);
        assertThat(row.get("big")).isEqualTo(9000000000L);
        assertThat(schema.getField("big").schema().getType()).isEqualTo(Schema.Type.LONG);
        assertThat(decimal(row, "amount")).isEqualTo(new BigDecimal("12.50"));
        assertThat(decimal(row, "rate")).isEqualTo(new BigDecimal("1.23456"));
        Schema rate = schema.getField("rate").schema();
        assertThat(rate.getType()).isEqualTo(Schema.Type.BYTES);
        assertThat(rate.getObjectProp("precision")).isEqualTo(7);
        assertThat(rate.getObjectProp("scale")).isEqualTo(5);
        assertThat(row.get("anything").toString()).isEqualTo("3.14159265358979");
        assertThat(row.get("r")).isEqualTo(1.5f);
        assertThat(row.get("d")).isEqualTo(2.25d);
        assertThat(row.get("flag")).isEqualTo(true);
        assertThat(row.get("label").toString()).isEqualTo("label");
        assertThat(row.get("uid").toString()).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(nonNull(schema.getField("uid").schema()).getLogicalType().getName()).isEqualTo("uuid");
        assertThat(row.get("doc").toString()).isEqualTo("{\"a\": [1, 2]}");
        assertThat(row.get("js").toString()).isEqualTo("{\"b\": 1}");
        assertThat(nonNull(schema.getField("at_local").schema()).getLogicalType().getName()).isEqualTo("local-timestamp-micros");
        assertThat(row.get("at_local")).isEqualTo(micros(LocalDateTime.parse("2026-11-23T10:11:12.123456").toInstant(java.time.ZoneOffset.UTC)));
        assertThat(nonNull(schema.getField("at_utc").schema()).getLogicalType().getName()).isEqualTo("timestamp-micros");
        assertThat(row.get("at_utc")).isEqualTo(micros(Instant.parse("2026-11-23T08:11:12.654321Z")));
        assertThat(row.get("day")).isEqualTo((int) LocalDate.parse("2026-11-23").toEpochDay());
        assertThat(nonNull(schema.getField("day").schema()).getLogicalType().getName()).isEqualTo("date");
        ByteBuffer raw = (ByteBuffer) row.get("raw");
        byte[] bytes = new byte[raw.remaining()];
        raw.get(bytes);
        assertThat(bytes).containsExactly(0xde, 0xad, 0xbe, 0xef);
        assertThat(((List<?>) row.get("tags")).stream().map(x -> x == null ? null : x.toString()).toList()).containsExactly("x", null, "z");
        assertThat(((List<?>) row.get("nums")).stream().map(Object::toString).toList()).containsExactly("1", "2");
        assertThat(row.get("feeling").toString()).isEqualTo("happy");
        assertThat(nonNull(schema.getField("tags").schema()).getType()).isEqualTo(Schema.Type.ARRAY);

        GenericRecord nulls = of(all, "typed", 2).get(0).after();
        for (String column : List.of("small", "amount", "anything", "r", "d", "flag", "label", "uid", "doc", "js", "at_local",
                "at_utc", "day", "raw", "tags", "nums", "feeling")) {
            assertThat(nulls.get(column)).as(column).isNull();
            assertThat(schema.getField(column).schema().isNullable()).as(column).isTrue();
        }
        assertThat(decimal(nulls, "rate")).isEqualTo(new BigDecimal("0.00000"));
        assertThat(schema.getField("rate").schema().isNullable()).isFalse();
    }

    @Test
    void unchangedToastedColumnIsNamedNotWrittenAsData() throws SQLException {
        // random text does not compress, so PostgreSQL stores it out of line (TOAST)
        String big = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400))";
        sql("INSERT INTO docs (id, title, body, blob) VALUES (1, 'first', " + big + ", " + big + ")",
                "UPDATE docs SET title = 'second' WHERE id = 1");
        List<Change> changes = of(reader.until(WAIT, seen -> of(seen, "docs", 1).size() >= 2), "docs", 1);
        assertThat(changes.get(0).after().get("body").toString()).hasSize(400 * 32);
        Change update = changes.get(1);
        assertThat(update.after().get("title").toString()).isEqualTo("second");
        assertThat(Set.of(update.headers().get("tributary.unchanged-toasted").split(","))).containsExactlyInAnyOrder("body", "blob");
        assertThat(update.after().get("body")).isNull();
        assertThat(update.after().get("blob").toString()).isEmpty();
        assertThat(update.value().toString()).doesNotContain("__debezium_unavailable_value");
    }

    @Test
    void onDemandSnapshotDeliversEveryRowWhileWritesStream() throws Exception {
        sql("INSERT INTO customers (id, name) SELECT g, 'snap-' || g FROM generate_series(5001, 5200) g");
        given().post("/capture/snapshots/public.customers").then().statusCode(202).body("signal_id", org.hamcrest.Matchers.notNullValue()).body("table", org.hamcrest.Matchers.equalTo("public.customers"));
        sql("INSERT INTO orders (id, customer_id, amount, currency, status) SELECT g, g, 1, 'EUR', 'new' FROM generate_series(6001, 6100) g",
                "UPDATE customers SET name = 'during' WHERE id = 5001");
        List<Change> all = reader.until(WAIT, seen -> {
            Set<Object> read = seen.stream().filter(c -> c.topic().endsWith(".public.customers") && c.op().equals("READ"))
                    .map(c -> c.key().get("id")).collect(Collectors.toSet());
            long orders = seen.stream().filter(c -> c.topic().endsWith(".public.orders") && (Long) c.key().get("id") > 6000).count();
            return read.size() >= 200 && orders >= 100;
        });
        List<Change> reads = all.stream().filter(c -> c.topic().endsWith(".public.customers") && c.op().equals("READ")).toList();
        assertThat(reads).allSatisfy(c -> assertThat(c.source().get("snapshot")).isEqualTo(true));
        given().post("/capture/snapshots/public.nope").then().statusCode(404);
    }

    @Test
    void healthAndMetrics() throws SQLException {
        sql("INSERT INTO customers (id, name) VALUES (7001, 'metrics')");
        reader.until(WAIT, seen -> logged(seen, "customers", 7001).size() == 1);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("tributary_capture_changes_total{table=\"public.customers\"}"))
                .body(containsString("tributary_capture_slot_lag_bytes"))
                .body(containsString("tributary_capture_lag_ms"))
                .body(containsString("tributary_capture_records_waiting"));
    }

    @Test
    void heartbeatsKeepTheSlotMovingWhileOnlyUnwatchedTablesWrite() throws Exception {
        sql("INSERT INTO no_key SELECT g FROM generate_series(1, 200000) g");
        long written = slotLag();
        System.out.printf("slot lag right after 200k rows into an unwatched table: %d bytes%n", written);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> slotLag() < 256 * 1024);
        long bounded = slotLag();
        System.out.printf("slot lag after heartbeats: %d bytes%n", bounded);
        assertThat(written).isGreaterThan(1024 * 1024);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("tributary_capture_slot_lag_bytes(\\{[^}]*\\})? [0-9.E]+");
    }

    private static long slotLag() throws SQLException {
        try (Connection c = DB.connect(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint "
                        + "FROM pg_replication_slots WHERE slot_name = '" + DB.slot() + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    static Schema nonNull(Schema s) {
        return s.isUnion() ? s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow() : s;
    }

    static BigDecimal decimal(GenericRecord row, String field) {
        Schema s = nonNull(row.getSchema().getField(field).schema());
        ByteBuffer b = ((ByteBuffer) row.get(field)).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new BigDecimal(new BigInteger(bytes), (Integer) s.getObjectProp("scale"));
    }
}
