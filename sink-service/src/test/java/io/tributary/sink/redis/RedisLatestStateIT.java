package io.tributary.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.tributary.sink.testing.Views;
import io.tributary.sink.view.ViewRecord;
import io.tributary.testsupport.TestServices;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/** The write-if-newer script against a real Redis. */
class RedisLatestStateIT {

    private static final long TS = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
    private static Vertx vertx;
    private static Redis redis;

    private final String prefix = "it-" + UUID.randomUUID() + ":";

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, TestServices.shared().redis().uri());
    }

    @AfterAll
    static void close() {
        redis.close();
        vertx.closeAndAwait();
    }

    private RedisLatestState state(Map<String, Duration> ttl) {
        return new RedisLatestState(redis, prefix, ttl::get, Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    private static ViewRecord upsert(long lsn, long id, String name) {
        return Views.record(Views.ORDER_TOPIC, 0, lsn, Views.orderChange("e" + lsn, "UPDATE", lsn, TS, id,
                Views.order(id, 7, "12.5", name, Instant.parse("2026-11-23T09:59:59.000001Z"))));
    }

    private static ViewRecord delete(long lsn, long id) {
        return Views.record(Views.ORDER_TOPIC, 0, lsn, Views.orderChange("e" + lsn, "DELETE", lsn, TS, id, null));
    }

    private Map<String, String> row(long id) {
        Response response = redis.send(Request.cmd(Command.HGETALL).arg(prefix + "order_view:" + id)).await().indefinitely();
        return response.getKeys().stream().collect(java.util.stream.Collectors.toMap(k -> k, k -> response.get(k).toString()));
    }

    private long ttl(String key) {
        return redis.send(Request.cmd(Command.TTL).arg(key)).await().indefinitely().toLong();
    }

    @Test
    void writesTheRowAsAHashWithTypedText() {
        LatestState.Outcome outcome = state(Map.of()).apply(List.of(upsert(10, 1, null)));
        assertThat(outcome.applied()).containsEntry("order_view", 1);
        assertThat(row(1)).containsEntry("id", "1").containsEntry("amount", "12.50")
                .containsEntry("placed_at", "2026-11-23T09:59:59.000001Z").containsEntry("currency", "EUR")
                .containsEntry("_lsn", "00000000000000000010").containsEntry("_op", "UPDATE")
                .containsEntry("_event_id", "e10").containsEntry("_source_ts_ms", Long.toString(TS))
                .doesNotContainKey("note");
    }

    @Test
    void anOlderUpdateAfterANewerOneIsSkipped() {
        RedisLatestState state = state(Map.of());
        state.apply(List.of(upsert(20, 2, "new")));
        LatestState.Outcome outcome = state.apply(List.of(upsert(19, 2, "old"), upsert(20, 2, "replayed")));
        assertThat(outcome.stale()).containsEntry("order_view", 2);
        assertThat(row(2)).containsEntry("note", "new").containsEntry("_lsn", "00000000000000000020");
    }

    @Test
    void anUpdateAfterADeleteDoesNotResurrectTheRow() {
        RedisLatestState state = state(Map.of());
        state.apply(List.of(upsert(30, 3, "a"), delete(32, 3)));
        assertThat(row(3)).isEmpty();
        assertThat(ttl(prefix + "~deleted:order_view:3")).isBetween(1L, 30L);

        LatestState.Outcome outcome = state.apply(List.of(upsert(31, 3, "late")));
        assertThat(outcome.stale()).containsEntry("order_view", 1);
        assertThat(row(3)).isEmpty();

        state.apply(List.of(upsert(33, 3, "reinserted")));
        assertThat(row(3)).containsEntry("note", "reinserted");
        assertThat(redis.send(Request.cmd(Command.EXISTS).arg(prefix + "~deleted:order_view:3")).await().indefinitely().toLong())
                .isZero();
    }

    /**
     * A batch larger than one script call ({@link RedisLatestState#CHUNK}): the changes of one row apply in their
     * order, also across calls, and each change's result counts for its own table.
     */
    @Test
    void aBatchOfManyChangesAppliesInOrderAndCountsEachChange() {
        RedisLatestState state = state(Map.of());
        int rows = 900;
        List<ViewRecord> first = new ArrayList<>();
        for (long id = 0; id < rows; id++) {
            first.add(upsert(10_000 + id, id, "v1"));
        }
        state.apply(first);

        List<ViewRecord> batch = new ArrayList<>();
        for (long id = 0; id < rows; id++) {
            switch ((int) (id % 3)) {
                case 0 -> batch.addAll(List.of(upsert(20_000 + id, id, "v2"), delete(30_000 + id, id)));
                case 1 -> batch.addAll(List.of(upsert(5_000 + id, id, "old"), upsert(20_000 + id, id, "v2")));
                default -> batch.addAll(List.of(delete(20_000 + id, id), upsert(19_000 + id, id, "late"),
                        upsert(30_000 + id, id, "back")));
            }
            if (id % 5 == 0) {
                ViewRecord customer = Views.record(Views.CUSTOMER_TOPIC, 0, id, Views.customerChange("c" + id, "INSERT",
                        40_000 + id, TS, id, Views.customer(id, "name-" + id, null, null, null)));
                batch.addAll(List.of(customer, customer));
            }
        }
        assertThat(batch).hasSizeGreaterThan(2 * RedisLatestState.CHUNK);

        LatestState.Outcome outcome = state.apply(batch);

        assertThat(outcome.applied()).isEqualTo(Map.of("order_view", 300 * 2 + 300 + 300 * 2, "customer_view", 180));
        assertThat(outcome.stale()).isEqualTo(Map.of("order_view", 300 + 300, "customer_view", 180));
        for (long id = 0; id < rows; id++) {
            Map<String, String> row = row(id);
            switch ((int) (id % 3)) {
                case 0 -> assertThat(row).as("order %d", id).isEmpty();
                case 1 -> assertThat(row).as("order %d", id).containsEntry("note", "v2")
                        .containsEntry("_lsn", RedisLatestState.lsnText(20_000 + id));
                default -> assertThat(row).as("order %d", id).containsEntry("note", "back")
                        .containsEntry("_lsn", RedisLatestState.lsnText(30_000 + id));
            }
            if (id % 5 == 0) {
                assertThat(redis.send(Request.cmd(Command.HGET).arg(prefix + "customer_view:" + id).arg("name"))
                        .await().indefinitely()).as("customer %d", id).hasToString("name-" + id);
            }
        }
    }

    @Test
    void rowsExpireWhenTheirTableHasATtlAndTheScriptSurvivesAFlush() {
        RedisLatestState state = state(Map.of("order_view", Duration.ofSeconds(120)));
        state.apply(List.of(upsert(40, 4, "x")));
        assertThat(ttl(prefix + "order_view:4")).isBetween(100L, 120L);
        redis.send(Request.cmd(Command.SCRIPT).arg("FLUSH")).await().indefinitely();
        state.apply(List.of(upsert(41, 4, "y")));
        assertThat(row(4)).containsEntry("note", "y");
    }
}
