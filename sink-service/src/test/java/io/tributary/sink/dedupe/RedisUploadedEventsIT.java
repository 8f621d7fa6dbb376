package io.tributary.sink.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

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

/** The uploaded event ids against a real Redis. */
class RedisUploadedEventsIT {

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

    private static ViewRecord change(long offset, String eventId) {
        return Views.record(Views.ORDER_TOPIC, 0, offset, Views.orderChange(eventId, "UPDATE", offset, TS, offset,
                Views.order(offset, 7, "12.5", "n", Instant.parse("2026-11-23T09:59:59.000001Z"))));
    }

    @Test
    void recordedIdsAreFoundPerTableAndExpire() {
        RedisUploadedEvents events = new RedisUploadedEvents(redis, prefix, Duration.ofHours(2), Duration.ofSeconds(5));
        assertThat(events.uploaded(List.of(change(1, "e1"), change(2, "e2")))).isEmpty();

        events.record("order_view", List.of("e1"));
        events.record("other_view", List.of("e2"));
        assertThat(events.uploaded(List.of(change(1, "e1"), change(2, "e2"), change(3, "e1"))))
                .containsExactly("order_view:e1");

        String key = RedisUploadedEvents.seenKey(prefix, "order_view", "e1");
        assertThat(key).isEqualTo(prefix + "lake-seen:order_view:e1");
        long ttl = redis.send(Request.cmd(Command.TTL).arg(key)).await().indefinitely().toLong();
        assertThat(ttl).isBetween(7000L, 7200L);
    }

    /** More ids than one MGET or EVAL takes: each chunk is recorded and looked up, and every answer is its own id's. */
    @Test
    void manyIdsAreRecordedAndFoundAcrossChunks() {
        RedisUploadedEvents events = new RedisUploadedEvents(redis, prefix, Duration.ofHours(2), Duration.ofSeconds(5));
        List<String> recorded = IntStream.range(0, 2500).filter(i -> i % 7 != 3).mapToObj(i -> "m" + i).toList();
        events.record("order_view", recorded);

        List<ViewRecord> lookedUp = IntStream.range(0, 2500).mapToObj(i -> change(i, "m" + i)).toList();
        assertThat(events.uploaded(lookedUp))
                .containsExactlyInAnyOrderElementsOf(recorded.stream().map(id -> "order_view:" + id).toList());
    }
}
