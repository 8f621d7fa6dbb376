package io.tributary.processor.it;

import static io.tributary.processor.Changes.customer;
import static io.tributary.processor.Changes.customerChange;
import static io.tributary.processor.Changes.orderChange;
import static io.tributary.processor.Changes.segmentChange;
import static io.tributary.processor.it.TopicsResource.CUSTOMERS;
import static io.tributary.processor.it.TopicsResource.CUSTOMER_VIEW;
import static io.tributary.processor.it.TopicsResource.DLQ;
import static io.tributary.processor.it.TopicsResource.ORDERS;
import static io.tributary.processor.it.TopicsResource.ORDER_VIEW;
import static io.tributary.processor.it.TopicsResource.SEGMENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.tributary.avro.Op;
import io.tributary.demo.CustomerChange;
import io.tributary.demo.OrderChange;
import io.tributary.processor.Changes;
import io.tributary.processor.enrich.ReferenceTables;
import io.tributary.processor.messaging.DeadLetters;
import io.tributary.processor.view.Masker;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.stack.RedisServer;
import io.tributary.testsupport.TestServices;

/** The processor against real Kafka, Redis and registry, configured by the seed's application.properties. */
@QuarkusTest
@QuarkusTestResource(value = RealServicesResource.class, initArgs = @ResourceArg(name = "services", value = "kafka,redis,registry"))
@QuarkusTestResource(TopicsResource.class)
class ProcessorIT {

    static KafkaTestClient client;

    @Inject
    ReferenceTables references;

    @BeforeAll
    static void client() {
        TestServices services = TestServices.shared();
        client = new KafkaTestClient(services.kafka().bootstrapServers(), services.registry().url());
    }

    @AfterAll
    static void close() {
        client.close();
    }

    void segment(int id, String name, String tier) {
        client.send(SEGMENTS, segmentChange(Op.INSERT, id, name, tier));
        await().atMost(Duration.ofSeconds(30)).until(() -> references.find(SEGMENTS, "id", id)
                .map(r -> r.get("name").toString().equals(name)).orElse(false));
    }

    static List<ConsumerRecord<GenericRecord, GenericRecord>> awaitView(String topic,
            Predicate<List<ConsumerRecord<GenericRecord, GenericRecord>>> done) {
        List<ConsumerRecord<GenericRecord, GenericRecord>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            records.clear();
            records.addAll(client.readAvro(topic));
            return done.test(records);
        });
        return records;
    }

    static Predicate<List<ConsumerRecord<GenericRecord, GenericRecord>>> has(String... eventIds) {
        return records -> KafkaTestClient.eventIds(records).containsAll(List.of(eventIds));
    }

    static GenericRecord value(List<ConsumerRecord<GenericRecord, GenericRecord>> records, String eventId) {
        return records.stream().filter(r -> r.value() != null && r.value().get("event_id").toString().equals(eventId))
                .findFirst().orElseThrow().value();
    }

    @Test
    void customerIsJoinedMaskedAndDerivedThroughConfig() {
        segment(101, "gold", "A");
        CustomerChange insert = customerChange(Op.INSERT, customer(1001, "ann@example.com", "+33 6 12 34 56 78", 101));
        client.send(CUSTOMERS, insert);

        var records = awaitView(CUSTOMER_VIEW, has(insert.getEventId()));
        GenericRecord envelope = value(records, insert.getEventId());
        assertThat(envelope.getSchema().getFullName()).isEqualTo("io.tributary.demo.CustomerViewChange");
        assertThat(envelope.get("op").toString()).isEqualTo("INSERT");
        assertThat(((GenericRecord) envelope.get("key")).get("id")).isEqualTo(1001L);
        GenericRecord row = (GenericRecord) envelope.get("after");
        assertThat(row.get("id")).isEqualTo(1001L);
        assertThat(row.get("name").toString()).isEqualTo("name-1001");
        assertThat(row.get("email_hash").toString())
                .isEqualTo(new Masker(Optional.of(TopicsResource.MASKING_KEY), "***").hash("ann@example.com"));
        assertThat(row.get("phone").toString()).isEqualTo("***");
        assertThat(row.get("segment_id")).isEqualTo(101);
        assertThat(row.get("segment_name").toString()).isEqualTo("gold");
        assertThat(row.get("segment_tier").toString()).isEqualTo("A");
        assertThat(row.get("last_seen")).isEqualTo(Changes.COMMIT.toEpochMilli());
        ConsumerRecord<GenericRecord, GenericRecord> kafkaRecord = records.stream()
                .filter(r -> r.value() != null && r.value() == envelope).findFirst().orElseThrow();
        assertThat(kafkaRecord.key().get("id")).isEqualTo(1001L);

        // no raw PII anywhere in the topic
        for (ConsumerRecord<byte[], byte[]> raw : client.readBytes(CUSTOMER_VIEW)) {
            if (raw.value() != null) {
                String text = new String(raw.value(), StandardCharsets.ISO_8859_1);
                assertThat(text).doesNotContain("ann@example.com").doesNotContain("12 34 56 78");
            }
        }

        // a delete: DELETE record, then a tombstone with the same key
        CustomerChange delete = customerChange(Op.DELETE, customer(1001, null, null, null));
        client.send(CUSTOMERS, delete);
        records = awaitView(CUSTOMER_VIEW, has(delete.getEventId()));
        int at = -1;
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).value() != null && records.get(i).value().get("event_id").toString().equals(delete.getEventId())) {
                at = i;
            }
        }
        int deleteAt = at;
        assertThat(records.get(deleteAt).value().get("op").toString()).isEqualTo("DELETE");
        assertThat(records.get(deleteAt).value().get("after")).isNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.readAvro(CUSTOMER_VIEW).size() > deleteAt + 1);
        ConsumerRecord<GenericRecord, GenericRecord> tombstone = client.readAvro(CUSTOMER_VIEW).get(deleteAt + 1);
        assertThat(tombstone.value()).isNull();
        assertThat(tombstone.key().get("id")).isEqualTo(1001L);
    }

    @Test
    void secondTableIsConfiguredDifferently() {
        OrderChange order = orderChange(Op.INSERT, 9001, 1001, "19.90", "PLACED");
        client.send(ORDERS, order);

        GenericRecord envelope = value(awaitView(ORDER_VIEW, has(order.getEventId())), order.getEventId());
        assertThat(envelope.getSchema().getFullName()).isEqualTo("io.tributary.demo.OrderViewChange");
        GenericRecord row = (GenericRecord) envelope.get("after");
        assertThat(row.getSchema().getFields()).extracting(Schema.Field::name)
                .containsExactly("id", "customer_id", "amount", "currency", "order_status", "committed_at");
        Schema amount = row.getSchema().getField("amount").schema();
        assertThat(new Conversions.DecimalConversion().fromBytes((ByteBuffer) row.get("amount"), amount,
                LogicalTypes.fromSchema(amount))).isEqualByComparingTo("19.90");
        assertThat(row.get("order_status").toString()).isEqualTo("PLACED");
        assertThat(row.get("committed_at")).isEqualTo(Changes.COMMIT.toEpochMilli());
    }

    @Test
    void aJoinOnAnEmptyReferenceTableTakesItsSchemaFromTheRegistry() {
        OrderChange order = orderChange(Op.INSERT, 9200, 77, "2.00", "PLACED");
        client.send(ORDERS, order);

        GenericRecord envelope = value(awaitView(TopicsResource.ORDER_REGION_VIEW, has(order.getEventId())),
                order.getEventId());
        GenericRecord row = (GenericRecord) envelope.get("after");
        assertThat(row.getSchema().getFields()).extracting(Schema.Field::name)
                .containsExactly("id", "customer_id", "region_name");
        assertThat(row.get("customer_id")).isEqualTo(77L);
        assertThat(row.get("region_name")).isNull();
    }

    @Test
    void theSameEventDeliveredTwiceComesOutOnce() {
        segment(102, "silver", "B");
        CustomerChange change = customerChange(Op.INSERT, customer(1002, "dup@example.com", null, 102));
        client.send(CUSTOMERS, change);
        client.send(CUSTOMERS, change); // replayed input
        CustomerChange after = customerChange(Op.UPDATE, customer(1002, "dup2@example.com", null, 102));
        client.send(CUSTOMERS, after);

        var records = awaitView(CUSTOMER_VIEW, has(change.getEventId(), after.getEventId()));
        assertThat(KafkaTestClient.eventIds(records)).filteredOn(change.getEventId()::equals).hasSize(1);
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).containsPattern("tributary_processor_duplicates_dropped_total\\{[^}]*table=\"customers\"[^}]*\\} [1-9]");
    }

    @Test
    void poisonAndUntransformableRecordsAreDeadLetteredWhileNeighboursGoOn() {
        segment(103, "bronze", "C");
        int dlqBefore = client.readBytes(DLQ).size();
        CustomerChange first = customerChange(Op.INSERT, customer(1003, "a@example.com", null, 103));
        CustomerChange noAfter = customerChange("no-after-" + System.nanoTime(), Op.INSERT, 1004, null);
        CustomerChange last = customerChange(Op.INSERT, customer(1005, "c@example.com", null, 103));
        client.send(CUSTOMERS, first);
        client.sendBytes(CUSTOMERS, "poison-key".getBytes(StandardCharsets.UTF_8),
                "this is not avro".getBytes(StandardCharsets.UTF_8));
        client.send(CUSTOMERS, noAfter);
        client.send(CUSTOMERS, last);

        var records = awaitView(CUSTOMER_VIEW, has(first.getEventId(), last.getEventId()));
        assertThat(KafkaTestClient.eventIds(records)).doesNotContain(noAfter.getEventId());

        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            dead.clear();
            dead.addAll(client.readBytes(DLQ));
            return dead.size() >= dlqBefore + 2;
        });
        ConsumerRecord<byte[], byte[]> poison = dead.get(dlqBefore);
        assertThat(new String(poison.value(), StandardCharsets.UTF_8)).isEqualTo("this is not avro");
        assertThat(new String(poison.key(), StandardCharsets.UTF_8)).isEqualTo("poison-key");
        assertThat(header(poison, DeadLetters.REASON)).startsWith("deserialization");
        assertThat(header(poison, DeadLetters.TOPIC)).isEqualTo(CUSTOMERS);
        assertThat(header(poison, DeadLetters.PARTITION)).isEqualTo("0");
        assertThat(Long.parseLong(header(poison, DeadLetters.OFFSET))).isNotNegative();
        assertThat(header(poison, DeadLetters.EXCEPTION)).isNotBlank();

        ConsumerRecord<byte[], byte[]> untransformable = dead.get(dlqBefore + 1);
        assertThat(header(untransformable, DeadLetters.REASON)).startsWith("transformation").contains("no after row");
        assertThat(header(untransformable, DeadLetters.EXCEPTION))
                .isEqualTo("io.tributary.processor.view.TransformException");
        assertThat(Long.parseLong(header(untransformable, DeadLetters.OFFSET)))
                .isEqualTo(Long.parseLong(header(poison, DeadLetters.OFFSET)) + 1);
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).contains("tributary_processor_dead_lettered_total");
    }

    @Test
    void redisDownForTwentySecondsLosesNothingAndDeadLettersNothing() {
        segment(105, "steel", "D");
        int dlqBefore = client.readBytes(DLQ).size();
        List<String> ids = new ArrayList<>();
        RedisServer redis = TestServices.shared().redis();
        redis.stop();
        try {
            for (int i = 0; i < 20; i++) {
                CustomerChange change = customerChange(Op.INSERT, customer(2000 + i, "r" + i + "@example.com", null, 105));
                ids.add(change.getEventId());
                client.sendAsync(CUSTOMERS, change);
            }
            client.flush();
            // the dedupe check comes first: while Redis is away nothing is published, nothing dead-lettered
            await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> KafkaTestClient.eventIds(client.readAvro(CUSTOMER_VIEW)).stream().noneMatch(ids::contains)
                            && client.readBytes(DLQ).size() == dlqBefore);
        } finally {
            redis.start();
        }
        var records = awaitView(CUSTOMER_VIEW, has(ids.toArray(String[]::new)));
        for (String id : ids) {
            assertThat(KafkaTestClient.eventIds(records)).filteredOn(id::equals).hasSize(1);
        }
        assertThat(client.readBytes(DLQ)).hasSize(dlqBefore);
    }

    @Test
    void viewTopicsAreCompactedAndHealthAndMetricsAreExposed() throws Exception {
        TestServices services = TestServices.shared();
        try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", services.kafka().bootstrapServers()))) {
            for (String topic : List.of(CUSTOMER_VIEW, ORDER_VIEW)) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get("cleanup.policy").value()).isEqualTo("compact");
            }
        }
        OrderChange order = orderChange(Op.INSERT, 9100, 1, "1.00", "PLACED");
        client.send(ORDERS, order);
        awaitView(ORDER_VIEW, has(order.getEventId()));

        RestAssured.get("/q/health/ready").then().statusCode(200);
        RestAssured.get("/q/health/live").then().statusCode(200);
        String health = RestAssured.get("/q/health").asString();
        assertThat(health).contains("reference-tables-loaded");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(RestAssured.get("/q/metrics").asString())
                .containsPattern("tributary_processor_records_in_total\\{[^}]*table=\"orders\"")
                .containsPattern("tributary_processor_records_out_total\\{[^}]*view=\"order_view\"")
                .contains("tributary_processor_processing_seconds_bucket")
                .contains("kafka_consumer_fetch_manager_records_lag"));
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
