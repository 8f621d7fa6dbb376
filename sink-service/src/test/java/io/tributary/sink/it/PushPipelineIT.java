package io.tributary.sink.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.sink.testing.CloudEvents;
import io.tributary.sink.testing.Lake;
import io.tributary.sink.testing.RedisReader;
import io.tributary.sink.testing.Views;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * Push mode in Quarkus against real S3Proxy, Redis and the registry: CloudEvents as a KafkaSource posts them
 * (binary mode, Avro values). Topics {@code tributary.view.push_*} (the Kafka channel of the tests does not follow
 * them; push mode needs no Kafka). Roll age 3 s (test profile).
 */
@QuarkusTest
@QuarkusTestResource(value = RealServicesResource.class, initArgs = @ResourceArg(name = "services", value = "kafka,redis,s3,registry"))
class PushPipelineIT {

    private static final long HOUR_10 = Instant.parse("2026-11-23T10:20:00Z").toEpochMilli();

    private final TestServices services = TestServices.shared();
    private Lake lake;
    private RedisReader redis;
    private CloudEvents events;

    @TestHTTPResource("/")
    URI root;

    @BeforeEach
    void open() {
        lake = new Lake(services);
        redis = new RedisReader(services);
        events = new CloudEvents(services, root);
    }

    @AfterEach
    void close() {
        events.close();
        lake.close();
        redis.close();
    }

    private static String table() {
        return "push_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void concurrentRequestsOfOneFileAreAnsweredTogetherOnceItIsUploadedAndInRedis() {
        String table = table();
        String topic = "tributary.view." + table;
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        Map<Long, Boolean> durableWhenAnswered = new ConcurrentHashMap<>();
        long sentAt = System.nanoTime();
        for (long offset = 0; offset < 8; offset++) {
            long id = offset + 1;
            GenericRecord change = Views.customerChange("push-" + table + "-" + id, "INSERT", 100 + offset, HOUR_10, id,
                    Views.customer(id, "name " + id, "h" + id, 2, HOUR_10));
            long o = offset;
            responses.add(events.postAsync(events.request(topic, 0, offset, change)).whenComplete((response, failure) -> {
                // at the moment of the answer, the row must already be in an uploaded object and in Redis
                boolean inLake = !lake.keys(table + "/").isEmpty();
                boolean inRedis = !redis.hash("tributary:" + table + ":" + id).isEmpty();
                durableWhenAnswered.put(o, inLake && inRedis);
            }));
        }
        // a tombstone needs no write: answered at once
        assertThat(events.post(events.request(topic, 0, 8, null)).statusCode()).isEqualTo(200);

        List<Long> answeredAfterMillis = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            HttpResponse<String> done = response.join();
            assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
            answeredAfterMillis.add((System.nanoTime() - sentAt) / 1_000_000);
        }
        assertThat(durableWhenAnswered).hasSize(8).allSatisfy((offset, durable) -> assertThat(durable).as("offset %d", offset).isTrue());
        // one file for the eight requests, rolled by age (3 s): none was answered before it
        assertThat(answeredAfterMillis).allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(2_500));
        assertThat(lake.keys(table + "/")).containsExactly(
                table + "/dt=2026-11-23/hr=10/" + topic + "+0+0-7.parquet");
        assertThat(lake.eventIdCounts(table + "/")).hasSize(8).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(redis.hash("tributary:" + table + ":3")).containsEntry("name", "name 3").containsEntry("_op", "INSERT");

        // the source resends offsets already answered (a lost response): 200 at once, nothing written twice
        GenericRecord again = Views.customerChange("push-" + table + "-3", "INSERT", 102, HOUR_10, 3,
                Views.customer(3, "name 3", "h3", 2, HOUR_10));
        assertThat(events.post(events.request(topic, 0, 2, again)).statusCode()).isEqualTo(200);
        assertThat(lake.keys(table + "/")).hasSize(1);
    }

    @Test
    void aRecordOfAnotherPartitionGoesToItsOwnFileWithTheCloudEventsOffsets() {
        String table = table();
        String topic = "tributary.view." + table;
        GenericRecord change = Views.customerChange("push-" + table + "-1", "INSERT", 7, HOUR_10, 1,
                Views.customer(1, "one", null, null, null));
        HttpResponse<String> response = events.post(events.request(topic, 2, 1234, change));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(lake.keys(table + "/")).containsExactly(table + "/dt=2026-11-23/hr=10/" + topic + "+2+1234-1234.parquet");
        assertThat(lake.rows(table + "/").values().iterator().next().get(0).get("_kafka_offset")).isEqualTo(1234L);
    }

    @Test
    void s3DownBeyondTheTimeoutIs503AndTheResentRequestSucceedsOnceS3IsBack() {
        String table = table();
        String topic = "tributary.view." + table;
        GenericRecord change = Views.customerChange("push-" + table + "-1", "INSERT", 7, HOUR_10, 1,
                Views.customer(1, "one", null, null, null));
        HttpResponse<String> response;
        services.s3().stop();
        try {
            long start = System.nanoTime();
            response = events.post(events.request(topic, 0, 5, change));
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("sink.push.timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(19));
            assertThat(redis.hash("tributary:" + table + ":1")).containsEntry("name", "one");
        } finally {
            services.s3().start();
        }
        // the KafkaSource resends the same offset: it joins the record already in the engine, answered once uploaded
        response = events.post(events.request(topic, 0, 5, change));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(lake.keys(table + "/")).containsExactly(table + "/dt=2026-11-23/hr=10/" + topic + "+0+5-5.parquet");
    }

    @Test
    void whatIsNotAKafkaSourceCloudEventIsRefusedWith400() {
        String topic = "tributary.view." + table();
        GenericRecord change = Views.customerChange("x", "INSERT", 1, HOUR_10, 1, Views.customer(1, "one", null, null, null));
        var good = events.request(topic, 0, 0, change);
        var noType = java.net.http.HttpRequest.newBuilder(good, (name, value) -> !name.equalsIgnoreCase("ce-type")).build();
        HttpResponse<String> response = events.post(noType);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("ce-type is missing");

        var notAvro = java.net.http.HttpRequest.newBuilder(good, (name, value) -> true)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"json\":true}")).build();
        response = events.post(notAvro);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("magic byte");
    }
}
