package io.tributary.sink.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;

import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.sink.engine.SinkRuntime;
import io.tributary.sink.lake.ObjectNames;
import io.tributary.sink.parquet.ParquetRowWriter;
import io.tributary.sink.testing.Lake;
import io.tributary.sink.testing.Offsets;
import io.tributary.sink.testing.RedisReader;
import io.tributary.sink.testing.ViewProducer;
import io.tributary.sink.testing.Views;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * The sink in Quarkus against real Kafka, S3Proxy, Redis and the registry. Every test uses its own view
 * topics ({@code tributary.view.qt_<name>_<random>}), so its table, objects and Redis keys are its own.
 */
@QuarkusTest
@QuarkusTestResource(value = RealServicesResource.class, initArgs = @ResourceArg(name = "services", value = "kafka,redis,s3,registry"))
class SinkPipelineIT {

    private static final long HOUR_10 = Instant.parse("2026-11-23T10:20:00Z").toEpochMilli();
    private static final long HOUR_11 = Instant.parse("2026-11-23T11:40:00Z").toEpochMilli();

    private final TestServices services = TestServices.shared();
    private ViewProducer producer;
    private Lake lake;
    private RedisReader redis;

    @Inject
    SinkRuntime runtime;

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void open() {
        producer = new ViewProducer(services);
        lake = new Lake(services);
        redis = new RedisReader(services);
    }

    @AfterEach
    void close() {
        producer.close();
        lake.close();
        redis.close();
    }

    private static String table(String name) {
        return "qt_" + name + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String topic(String table) {
        return "tributary.view." + table;
    }

    @Test
    void viewsOfTwoTablesBecomeTypedParquetInEventTimePartitionsAndRedisHoldsTheLastState() {
        String customers = table("customers");
        String orders = table("orders");
        producer.createTopic(topic(customers), 2);
        producer.createTopic(topic(orders), 1);

        Map<String, GenericRecord> sent = new HashMap<>();
        long lsn = 1000;
        for (long id = 1; id <= 20; id++) {
            GenericRecord change = Views.customerChange("c-ins-" + id, "INSERT", lsn++, HOUR_10 + id, id,
                    Views.customer(id, "name " + id, id % 3 == 0 ? null : "hash" + id, id % 2 == 0 ? null : (int) id, HOUR_10 + id));
            producer.send(topic(customers), (int) (id % 2), change);
            sent.put("c-ins-" + id, change);
        }
        for (long id = 1; id <= 5; id++) {
            GenericRecord change = Views.customerChange("c-upd-" + id, "UPDATE", lsn++, HOUR_11, id,
                    Views.customer(id, "renamed " + id, "h", 3, HOUR_11));
            producer.send(topic(customers), (int) (id % 2), change);
            sent.put("c-upd-" + id, change);
        }
        GenericRecord deleteSix = Views.customerChange("c-del-6", "DELETE", lsn++, HOUR_11, 6, null);
        producer.send(topic(customers), 0, deleteSix);
        sent.put("c-del-6", deleteSix);

        String[] amounts = { "0.01", "12.50", "9999999999.99", "-3.10", "100.00" };
        Instant placed = Instant.parse("2026-11-23T10:59:59.123456Z");
        for (int i = 0; i < amounts.length; i++) {
            GenericRecord change = Views.orderChange("o-" + i, "INSERT", lsn++, HOUR_10, i,
                    Views.order(i, 7, amounts[i], i % 2 == 0 ? null : "note " + i, placed.plusNanos(1000L * i)));
            producer.send(topic(orders), 0, change);
            sent.put("o-" + i, change);
        }
        GenericRecord deleteOrder = Views.orderChange("o-del-4", "DELETE", lsn++, HOUR_11, 4, null);
        producer.send(topic(orders), 0, deleteOrder);
        sent.put("o-del-4", deleteOrder);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            Map<String, Integer> counts = new HashMap<>(lake.eventIdCounts(customers + "/"));
            counts.putAll(lake.eventIdCounts(orders + "/"));
            assertThat(counts).hasSize(sent.size()).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        });

        Map<String, List<GenericRecord>> files = new HashMap<>(lake.rows(customers + "/"));
        files.putAll(lake.rows(orders + "/"));
        ObjectNames names = new ObjectNames("");
        for (Map.Entry<String, List<GenericRecord>> file : files.entrySet()) {
            assertThat(file.getKey()).matches("qt_\\w+/dt=2026-11-23/hr=1[01]/tributary\\.view\\.qt_\\w+\\+[01]\\+\\d+-\\d+\\.parquet");
            for (GenericRecord row : file.getValue()) {
                String table = row.get(ParquetRowWriter.KAFKA_TOPIC).toString().substring("tributary.view.".length());
                assertThat(file.getKey()).as("event-time partition of %s", row.get("_event_id"))
                        .startsWith(names.partitionPath(table, ObjectNames.hourOf((Long) row.get(ParquetRowWriter.SOURCE_TS))));
                assertEqualsInput(row, sent.get(row.get(ParquetRowWriter.EVENT_ID).toString()));
            }
        }

        assertThat(redis.hash("tributary:" + customers + ":1")).containsEntry("name", "renamed 1").containsEntry("segment_id", "3");
        assertThat(redis.hash("tributary:" + customers + ":9")).containsEntry("name", "name 9")
                .containsEntry("last_seen", Instant.ofEpochMilli(HOUR_10 + 9).toString()).doesNotContainKey("email_hash");
        assertThat(redis.hash("tributary:" + customers + ":6")).isEmpty();
        assertThat(redis.string("tributary:~deleted:" + customers + ":6")).isNotNull();
        assertThat(redis.hash("tributary:" + orders + ":2")).containsEntry("amount", "9999999999.99")
                .containsEntry("placed_at", "2026-11-23T10:59:59.123458Z");
        assertThat(redis.hash("tributary:" + orders + ":4")).isEmpty();

        // offsets (tombstones included) are committed once everything is durable
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committedLag(topic(customers), topic(orders))).isZero());
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("tributary_sink_rows_written_total{table=\"" + customers + "\"} 26.0"))
                .body(containsString("tributary_sink_files_uploaded_total"))
                .body(containsString("tributary_sink_batch_size"));
        given().when().get("/q/health/ready").then().statusCode(200).body(containsString("\"sink\""));
    }

    @Test
    void aFileRollsByAgeWithNoFurtherInput() {
        String table = table("age");
        producer.createTopic(topic(table), 1);
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            producer.send(topic(table), 0, Views.customerChange("age-" + i, "INSERT", 10 + i, HOUR_10, i,
                    Views.customer(i, "n", null, null, null)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !lake.keys(table + "/").isEmpty());
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        Duration maxAge = runtime.settings().rollMaxAge();
        System.out.printf("file rolled by age after %d ms (max-age %s, far below max-records %d)%n", waited.toMillis(), maxAge,
                runtime.settings().rollMaxRecords());
        assertThat(waited).isGreaterThanOrEqualTo(maxAge.minusMillis(500));
        assertThat(lake.keys(table + "/")).singleElement().asString().endsWith("+0+0-2.parquet");
    }

    @Test
    void theSameEventIdAtAnotherOffsetLandsOnceInTheLake() {
        String table = table("dupes");
        String t = topic(table);
        producer.createTopic(t, 1);
        producer.send(t, 0, Views.customerChange("d1", "INSERT", 10, HOUR_10, 1, Views.customer(1, "a", null, null, null)));
        producer.send(t, 0, Views.customerChange("d2", "INSERT", 11, HOUR_10, 2, Views.customer(2, "b", null, null, null)));
        await().atMost(Duration.ofSeconds(30)).until(() -> lake.eventIdCounts(table + "/").size() == 2);
        // the uploader records a file's event ids after its object is in the lake
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(redis.string("tributary:lake-seen:" + table + ":d1")).isEqualTo("1"));

        // the processor publishes d1 again (already uploaded), then d3, and d4 twice (the copy while its file is open)
        producer.send(t, 0, Views.customerChange("d1", "INSERT", 10, HOUR_10, 1, Views.customer(1, "a", null, null, null)));
        producer.send(t, 0, Views.customerChange("d3", "INSERT", 12, HOUR_10, 3, Views.customer(3, "c", null, null, null)));
        producer.send(t, 0, Views.customerChange("d4", "INSERT", 13, HOUR_10, 4, Views.customer(4, "d", null, null, null)));
        producer.send(t, 0, Views.customerChange("d4", "INSERT", 13, HOUR_10, 4, Views.customer(4, "d", null, null, null)));

        await().atMost(Duration.ofSeconds(30)).until(() -> lake.eventIdCounts(table + "/").size() == 4);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committedLag(t)).isZero());
        assertThat(lake.eventIdCounts(table + "/")).containsOnlyKeys("d1", "d2", "d3", "d4")
                .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(registry.get("tributary.sink.duplicates.dropped").tag("table", table).counter().count()).isEqualTo(2.0);
    }

    @Test
    void anOlderUpdateAfterANewerOneAndAnUpdateAfterADeleteDoNotChangeRedis() {
        String table = table("stale");
        producer.createTopic(topic(table), 1);
        String t = topic(table);
        producer.send(t, 0, Views.customerChange("s1", "UPDATE", 20, HOUR_10, 1, Views.customer(1, "newer", null, null, null)));
        producer.send(t, 0, Views.customerChange("s2", "UPDATE", 19, HOUR_10, 1, Views.customer(1, "older", null, null, null)));
        producer.send(t, 0, Views.customerChange("s3", "INSERT", 30, HOUR_10, 2, Views.customer(2, "born", null, null, null)));
        producer.send(t, 0, Views.customerChange("s4", "DELETE", 32, HOUR_10, 2, null));
        producer.send(t, 0, Views.customerChange("s5", "UPDATE", 31, HOUR_10, 2, Views.customer(2, "zombie", null, null, null)));

        await().atMost(Duration.ofSeconds(30)).until(() -> lake.eventIdCounts(table + "/").size() == 5);
        assertThat(redis.hash("tributary:" + table + ":1")).containsEntry("name", "newer").containsEntry("_lsn", "00000000000000000020");
        assertThat(redis.hash("tributary:" + table + ":2")).isEmpty();
        assertThat(redis.string("tributary:~deleted:" + table + ":2")).isEqualTo("00000000000000000032");
        assertThat(registry.get("tributary.sink.redis.writes").tag("table", table).tag("outcome", "stale").counter().count())
                .isEqualTo(2.0);
    }

    @Test
    void s3DownForThirtySecondsMidStreamLosesNothingAndStaysWithinTheMemoryBound() {
        String table = table("outage");
        String t = topic(table);
        producer.createTopic(t, 2);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add("out-" + i);
            producer.send(t, i % 2, Views.customerChange("out-" + i, "INSERT", 100 + i, HOUR_10, i,
                    Views.customer(i, "name " + i + " " + "x".repeat(200), null, null, null)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !lake.keys(table + "/").isEmpty());

        long bound = runtime.settings().memoryBound();
        AtomicLong maxBuffered = new AtomicLong();
        AtomicLong maxHeap = new AtomicLong();
        services.s3().stop();
        try {
            for (int i = 300; i < 900; i++) {
                ids.add("out-" + i);
                producer.send(t, i % 2, Views.customerChange("out-" + i, "INSERT", 100 + i, HOUR_10, i,
                        Views.customer(i, "name " + i + " " + "x".repeat(200), null, null, null)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> runtime.status().degraded());
            given().when().get("/q/health/ready").then().statusCode(503).body(containsString("failing"));
            await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
                maxBuffered.accumulateAndGet(runtime.engine().bufferedBytes(), Math::max);
                Runtime jvm = Runtime.getRuntime();
                maxHeap.accumulateAndGet(jvm.totalMemory() - jvm.freeMemory(), Math::max);
                return runtime.status().degraded() && runtime.engine().bufferedBytes() <= bound;
            });
        } finally {
            services.s3().start();
        }
        System.out.printf("S3 down 30 s: sink buffered at most %d bytes (bound %d), heap used at most %d MiB, open files now %d%n",
                maxBuffered.get(), bound, maxHeap.get() >> 20, runtime.engine().openBuffers());

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            Map<String, Integer> counts = lake.eventIdCounts(table + "/");
            assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(counts.values()).containsOnly(1);
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> !runtime.status().degraded());
        given().when().get("/q/health/ready").then().statusCode(200);
        assertThat(redis.hash("tributary:" + table + ":899")).containsEntry("_event_id", "out-899");
        assertThat(registry.get("tributary.sink.failures").tag("dependency", "s3").counter().count()).isPositive();
    }

    @Test
    void redisDownMidStreamPausesTheSinkAndLosesNothing() {
        String table = table("redis_outage");
        String t = topic(table);
        producer.createTopic(t, 1);
        for (int i = 0; i < 20; i++) {
            producer.send(t, 0, Views.customerChange("ro-" + i, "INSERT", 100 + i, HOUR_10, i, Views.customer(i, "a" + i, null, null, null)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hash("tributary:" + table + ":19").containsKey("name"));
        services.redis().stop();
        try {
            for (int i = 20; i < 60; i++) {
                producer.send(t, 0, Views.customerChange("ro-" + i, "UPDATE", 100 + i, HOUR_10, i % 20,
                        Views.customer(i % 20, "b" + i, null, null, null)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> runtime.status().failing().containsKey("redis"));
            given().when().get("/q/health/ready").then().statusCode(503).body(containsString("redis"));
            // nothing of the stalled batch reaches the lake while its Redis write is pending
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> !lake.eventIdCounts(table + "/").containsKey("ro-59"));
        } finally {
            services.redis().start();
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            Map<String, Integer> counts = lake.eventIdCounts(table + "/");
            assertThat(counts).hasSize(60);
            assertThat(counts.values()).containsOnly(1);
        });
        for (int id = 0; id < 20; id++) {
            assertThat(redis.hash("tributary:" + table + ":" + id)).containsEntry("name", "b" + (40 + id));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !runtime.status().degraded());
        assertThat(registry.get("tributary.sink.failures").tag("dependency", "redis").counter().count()).isPositive();
    }

    private void assertEqualsInput(GenericRecord row, GenericRecord change) {
        assertThat(change).as("input of %s", row.get("_event_id")).isNotNull();
        GenericRecord source = (GenericRecord) change.get("source");
        assertThat(row.get(ParquetRowWriter.OP)).hasToString(change.get("op").toString());
        assertThat(row.get(ParquetRowWriter.LSN)).isEqualTo(source.get("lsn"));
        assertThat(row.get(ParquetRowWriter.SOURCE_TS)).isEqualTo(source.get("ts_ms"));
        GenericRecord after = (GenericRecord) change.get("after");
        if (after == null) {
            GenericRecord key = (GenericRecord) change.get("key");
            assertThat(row.get("id")).isEqualTo(key.get("id"));
            return;
        }
        for (Schema.Field field : after.getSchema().getFields()) {
            Object expected = after.get(field.name());
            Object actual = row.get(field.name());
            if (expected == null) {
                assertThat(actual).as(field.name()).isNull();
            } else if (expected instanceof ByteBuffer bytes) {
                Schema decimal = Views.AMOUNT;
                BigDecimal want = new Conversions.DecimalConversion().fromBytes(bytes.duplicate(), decimal, decimal.getLogicalType());
                Schema actualSchema = row.getSchema().getField(field.name()).schema().getTypes().get(1);
                BigDecimal got = new Conversions.DecimalConversion().fromBytes((ByteBuffer) actual, actualSchema,
                        actualSchema.getLogicalType());
                assertThat(got).as(field.name()).isEqualTo(want);
                assertThat(got.scale()).isEqualTo(2);
            } else if (expected instanceof CharSequence) {
                assertThat(actual).as(field.name()).hasToString(expected.toString());
            } else {
                assertThat(actual).as(field.name()).isEqualTo(expected);
            }
            Schema expectedType = field.schema();
            Schema actualType = row.getSchema().getField(field.name()).schema();
            assertThat(String.valueOf(nonNull(actualType).getLogicalType())).as("type of " + field.name())
                    .isEqualTo(String.valueOf(nonNull(expectedType).getLogicalType()));
        }
    }

    private static Schema nonNull(Schema schema) {
        return schema.getType() == Schema.Type.UNION
                ? schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow()
                : schema;
    }

    private long committedLag(String... topics) throws Exception {
        return Offsets.lag(services, "sink-service", topics);
    }
}
