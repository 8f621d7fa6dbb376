package io.tributary.sink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.sink.testing.CloudEvents;
import io.tributary.sink.testing.Lake;
import io.tributary.sink.testing.RedisReader;
import io.tributary.sink.testing.SinkProcess;
import io.tributary.sink.testing.Views;
import io.tributary.testsupport.TestServices;

/**
 * The packaged sink in push mode as a process, stopped with SIGTERM while requests wait for their file (roll age
 * 30 s): every request answered 2xx has its row in Redis and in an uploaded Parquet object, and a request not
 * answered 2xx, resent to a new process (as the KafkaSource does), lands too.
 */
class PushProcessIT {

    private static final long HOUR_9 = Instant.parse("2026-11-23T09:30:00Z").toEpochMilli();

    private final TestServices services = TestServices.shared();
    private Lake lake;
    private RedisReader redis;

    @BeforeEach
    void open() {
        lake = new Lake(services);
        redis = new RedisReader(services);
    }

    @AfterEach
    void close() {
        lake.close();
        redis.close();
    }

    private static Map<String, String> pushSettings() {
        return Map.of(
                "sink.push.enabled", "true",
                "sink.push.timeout", "60s",
                "sink.push.reorder-window", "100ms",
                "sink.roll.max-age", "30s",
                // the Kafka channel follows no topic here: push mode only
                "mp.messaging.incoming.views.topic", "tributary\\.view\\.pushproc_none_.*");
    }

    @Test
    void sigtermWithRequestsInFlightUploadsTheirFilesAndLosesNothing() throws Exception {
        String table = "pushproc_" + UUID.randomUUID().toString().substring(0, 8);
        String topic = "tributary.view." + table;
        Map<String, GenericRecord> changes = new LinkedHashMap<>();
        Map<String, int[]> positions = new LinkedHashMap<>();
        for (int partition = 0; partition < 2; partition++) {
            for (int offset = 0; offset < 6; offset++) {
                long id = partition * 100 + offset + 1;
                String eventId = table + "-" + id;
                changes.put(eventId, Views.customerChange(eventId, "INSERT", 1000 + id, HOUR_9, id,
                        Views.customer(id, "name " + id, null, null, null)));
                positions.put(eventId, new int[] { partition, offset });
            }
        }
        Map<String, CompletableFuture<HttpResponse<String>>> responses = new LinkedHashMap<>();
        SinkProcess sink = SinkProcess.start(services, "push-sigterm", pushSettings());
        try (CloudEvents events = new CloudEvents(services, URI.create("http://127.0.0.1:" + sink.port() + "/"))) {
            changes.forEach((eventId, change) -> responses.put(eventId,
                    events.postAsync(events.request(topic, positions.get(eventId)[0], positions.get(eventId)[1], change))));
            // every row is in the engine (Redis is written when a record is accepted), none is uploaded yet
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(redis.keys("tributary:" + table + ":*")).hasSize(changes.size()));
            assertThat(lake.keys(table + "/")).isEmpty();
            assertThat(responses.values()).noneMatch(CompletableFuture::isDone);

            sink.terminate();
            await().atMost(Duration.ofSeconds(40)).until(() -> !sink.alive());

            List<String> answered2xx = new ArrayList<>();
            List<String> notAnswered2xx = new ArrayList<>();
            responses.forEach((eventId, response) -> {
                try {
                    HttpResponse<String> done = response.get();
                    (done.statusCode() / 100 == 2 ? answered2xx : notAnswered2xx).add(eventId);
                } catch (Exception e) {
                    notAnswered2xx.add(eventId);
                }
            });
            System.out.printf("SIGTERM with %d requests in flight: %d answered 2xx, %d not (log %s)%n", changes.size(),
                    answered2xx.size(), notAnswered2xx.size(), sink.log());
            Map<String, Integer> inLake = lake.eventIdCounts(table + "/");
            for (String eventId : answered2xx) {
                assertThat(inLake).as("%s answered 2xx", eventId).containsEntry(eventId, 1);
                long id = (Long) ((GenericRecord) changes.get(eventId).get("key")).get("id");
                assertThat(redis.hash("tributary:" + table + ":" + id)).as("%s answered 2xx", eventId).containsEntry("_event_id", eventId);
            }
            // graceful shutdown uploads the open files: every waiting request gets its 2xx
            assertThat(answered2xx).as(Files.readString(sink.log())).hasSize(changes.size());
            assertThat(lake.keys(table + "/")).hasSize(2);

            // what was not answered 2xx is resent by the source: to a new process, it lands (once)
            if (!notAnswered2xx.isEmpty()) {
                SinkProcess again = SinkProcess.start(services, "push-resend", pushSettings());
                try (CloudEvents resend = new CloudEvents(services, URI.create("http://127.0.0.1:" + again.port() + "/"))) {
                    for (String eventId : notAnswered2xx) {
                        int[] at = positions.get(eventId);
                        assertThat(resend.post(resend.request(topic, at[0], at[1], changes.get(eventId))).statusCode()).isEqualTo(200);
                    }
                } finally {
                    again.close();
                }
                assertThat(lake.eventIdCounts(table + "/")).hasSize(changes.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
            }
        } finally {
            sink.close();
        }
    }
}
