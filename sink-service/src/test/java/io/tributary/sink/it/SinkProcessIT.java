package io.tributary.sink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.sink.testing.Lake;
import io.tributary.sink.testing.Offsets;
import io.tributary.sink.testing.RedisReader;
import io.tributary.sink.testing.SinkProcess;
import io.tributary.sink.testing.ViewProducer;
import io.tributary.sink.testing.Views;
import io.tributary.testsupport.TestServices;

/**
 * The packaged sink as a separate process: killed with SIGKILL mid-stream and restarted, and replayed from
 * offset 0 by a new consumer group. Topics {@code tributary.view.proc_*} (not those of the @QuarkusTest app).
 */
class SinkProcessIT {

    private static final long BASE_TS = Instant.parse("2026-11-23T09:30:00Z").toEpochMilli();

    private final TestServices services = TestServices.shared();
    private ViewProducer producer;
    private Lake lake;
    private RedisReader redis;
    private final List<SinkProcess> sinks = new ArrayList<>();

    @BeforeEach
    void open() {
        producer = new ViewProducer(services);
        lake = new Lake(services);
        redis = new RedisReader(services);
    }

    @AfterEach
    void close() {
        sinks.forEach(SinkProcess::close);
        producer.close();
        lake.close();
        redis.close();
    }

    private SinkProcess start(String name, String topic, String group) {
        Map<String, String> settings = new HashMap<>();
        settings.put("mp.messaging.incoming.views.topic", topic.replace(".", "\\."));
        settings.put("mp.messaging.incoming.views.group.id", group);
        settings.put("mp.messaging.incoming.views.metadata.max.age.ms", "1000");
        settings.put("mp.messaging.incoming.views.max.poll.records", "64");
        settings.put("sink.roll.max-records", "70");
        settings.put("sink.roll.max-age", "2s");
        settings.put("sink.roll.check-interval", "200ms");
        settings.put("sink.retry.max-backoff", "2s");
        SinkProcess sink = SinkProcess.start(services, name, settings);
        sinks.add(sink);
        return sink;
    }

    /** 100 keys over 2 partitions, each changed several times, 1 in 7 deleted (with tombstone), some re-inserted. */
    private Map<Long, GenericRecord> produce(String topic, int changes, Map<String, GenericRecord> sent) {
        Map<Long, GenericRecord> last = new HashMap<>();
        for (int i = 0; i < changes; i++) {
            long id = i % 100;
            long lsn = 10_000 + i;
            long ts = BASE_TS + i * 20_000L; // spans a few event hours
            GenericRecord change = i % 7 == 3
                    ? Views.customerChange("k-" + i, "DELETE", lsn, ts, id, null)
                    : Views.customerChange("k-" + i, i < 100 ? "INSERT" : "UPDATE", lsn, ts, id,
                            Views.customer(id, "v" + i, "h" + i, (int) (i % 5), ts));
            producer.send(topic, (int) (id % 2), change);
            sent.put("k-" + i, change);
            last.put(id, change);
        }
        return last;
    }

    private void assertRedisHoldsLastState(String table, Map<Long, GenericRecord> last) {
        last.forEach((id, change) -> {
            Map<String, String> row = redis.hash("tributary:" + table + ":" + id);
            if (change.get("after") == null) {
                assertThat(row).as("deleted %d", id).isEmpty();
            } else {
                assertThat(row).as("row %d", id).containsEntry("_event_id", change.get("event_id").toString())
                        .containsEntry("name", ((GenericRecord) change.get("after")).get("name").toString());
            }
        });
    }

    @Test
    void killedWithSigkillMidStreamAndRestartedEveryRowIsInTheLakeExactlyOnce() throws Exception {
        String table = "proc_kill_" + UUID.randomUUID().toString().substring(0, 8);
        String topic = "tributary.view." + table;
        String group = "sink-" + table;
        producer.createTopic(topic, 2);
        Map<String, GenericRecord> sent = new HashMap<>();
        Map<Long, GenericRecord> last = produce(topic, 2000, sent);

        SinkProcess first = start("first", topic, group);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> lake.keys(table + "/").size() >= 3);
        try (Stream<Path> files = Files.list(first.tmpDir())) {
            assertThat(files.map(file -> file.getFileName().toString()).toList())
                    .as("snappy-java loaded from a file of this process's own (the lake is snappy-compressed); a shared"
                            + " libsnappyjava.so is rewritten in place by the next sink to start, crashing this one")
                    .anyMatch(name -> name.startsWith("snappy-") && name.endsWith("libsnappyjava.so"))
                    .doesNotContain("libsnappyjava.so");
        }
        first.kill();
        long lagAtKill = Offsets.lag(services, group, topic);
        int objectsAtKill = lake.keys(table + "/").size();
        System.out.printf("SIGKILL sink pid %d with %d objects uploaded and %d records not committed%n", first.pid(),
                objectsAtKill, lagAtKill);
        assertThat(lagAtKill).as("killed before it was done").isPositive();

        SinkProcess second = start("restarted", topic, group);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> Offsets.lag(services, group, topic) < lagAtKill);
        second.kill();
        System.out.printf("SIGKILL restarted sink pid %d with %d records not committed (some were)%n", second.pid(),
                Offsets.lag(services, group, topic));

        start("restarted-again", topic, group);
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(Offsets.lag(services, group, topic)).isZero());
        Map<String, Integer> counts = lake.eventIdCounts(table + "/");
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
        assertThat(counts).allSatisfy((id, n) -> assertThat(n).as("copies of %s", id).isEqualTo(1));
        assertRedisHoldsLastState(table, last);
    }

    @Test
    void replayingFromOffsetZeroLeavesObjectsAndRedisUnchanged() throws Exception {
        String table = "proc_replay_" + UUID.randomUUID().toString().substring(0, 8);
        String topic = "tributary.view." + table;
        producer.createTopic(topic, 2);
        Map<String, GenericRecord> sent = new HashMap<>();
        Map<Long, GenericRecord> last = produce(topic, 600, sent);

        SinkProcess first = start("first", topic, "sink-" + table + "-1");
        await().atMost(Duration.ofSeconds(120))
                .untilAsserted(() -> assertThat(Offsets.lag(services, "sink-" + table + "-1", topic)).isZero());
        first.close();
        Map<String, byte[]> objects = lake.objects(table + "/");
        Map<String, Object> state = redis.dump("tributary:*" + table + ":*");
        assertThat(lake.eventIdCounts(table + "/").keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
        assertRedisHoldsLastState(table, last);

        start("replay", topic, "sink-" + table + "-2");
        await().atMost(Duration.ofSeconds(120))
                .untilAsserted(() -> assertThat(Offsets.lag(services, "sink-" + table + "-2", topic)).isZero());
        Map<String, byte[]> replayed = lake.objects(table + "/");
        System.out.printf("replay from offset 0: %d objects before, %d after; %d Redis keys%n", objects.size(), replayed.size(),
                state.size());
        assertThat(replayed.keySet()).containsExactlyElementsOf(objects.keySet());
        objects.forEach((key, bytes) -> assertThat(replayed.get(key)).as(key).isEqualTo(bytes));
        assertThat(redis.dump("tributary:*" + table + ":*")).isEqualTo(state);
    }
}
