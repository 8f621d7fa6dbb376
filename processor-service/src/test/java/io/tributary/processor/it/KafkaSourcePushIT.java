package io.tributary.processor.it;

import static io.tributary.processor.Changes.customer;
import static io.tributary.processor.Changes.customerChange;
import static io.tributary.processor.Changes.segmentChange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.tributary.avro.Op;
import io.tributary.demo.CustomerChange;
import io.tributary.processor.messaging.DeadLetters;
import io.tributary.stack.RedisServer;
import io.tributary.testsupport.Http;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * The push transport of the packaged processor ({@code target/quarkus-app/quarkus-run.jar}, run as its own
 * process with the Kafka consumer off): real CloudEvents as a Knative KafkaSource posts them (binary content
 * mode, Kafka extension attributes), built from real Avro change records, checked on the view topic.
 *
 * <p>Uses its own topics ({@code push.*}), so the {@code @QuarkusTest} applications of this JVM ignore them.
 */
class KafkaSourcePushIT {

    static final String CUSTOMERS = "push.public.customers";
    static final String SEGMENTS = "push.public.customer_segments";
    static final String ORDERS = "push.public.orders";
    static final String VIEW = "push.view.customer_view";
    static final String DLQ = "push.dlq";
    static final AtomicLong OFFSETS = new AtomicLong();

    static KafkaTestClient client;
    static Processor processor;
    static final HttpClient HTTP = Http.client();

    @BeforeAll
    static void start() {
        TestServices services = TestServices.shared();
        client = new KafkaTestClient(services.kafka().bootstrapServers(), services.registry().url());
        client.createTopics(CUSTOMERS, SEGMENTS, ORDERS);
        client.send(SEGMENTS, segmentChange(Op.INSERT, 7, "gold", "A"));
        processor = Processor.start(services, "main", Map.of("processor.push.max-retry-time", "3s"));
    }

    @AfterAll
    static void stop() {
        if (processor != null) {
            processor.close();
        }
        client.close();
    }

    /** The CloudEvent a KafkaSource {@code tributary/processor} would post for a record of {@code topic}. */
    static HttpRequest.Builder cloudEvent(URI uri, String topic, CustomerChange change) {
        long offset = OFFSETS.incrementAndGet();
        String key = "{\"id\":" + change.getKey().getId() + "}";
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90))
                .header("ce-specversion", "1.0")
                .header("ce-id", "partition:0/offset:" + offset)
                .header("ce-source", "/apis/v1/namespaces/tributary/kafkasources/processor#" + topic)
                .header("ce-type", "dev.knative.kafka.event")
                .header("ce-subject", "partition:0#" + offset)
                .header("ce-time", "2026-11-23T10:15:30.123Z")
                .header("ce-key", key)
                .header("ce-partitionkey", key)
                .header("ce-kafkaheadertraceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(client.valueBytes(topic, change)));
    }

    static HttpResponse<String> post(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static CustomerChange change(long id) {
        return customerChange(Op.INSERT, customer(id, "p" + id + "@example.com", "555-" + id, 7));
    }

    static List<String> viewIds() {
        return KafkaTestClient.eventIds(client.readAvro(VIEW));
    }

    @Test
    void postedChangeIsPublishedAndAnsweredOnlyOnceAckedThenItsDuplicateIsDropped() {
        CustomerChange change = change(1);
        HttpRequest request = cloudEvent(processor.uri(), CUSTOMERS, change).build();

        HttpResponse<String> first = post(request);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body().trim()).isEqualTo("PUBLISHED");
        // 2xx means durable: the view record is on the topic already, no waiting
        List<ConsumerRecord<GenericRecord, GenericRecord>> records = client.readAvro(VIEW);
        GenericRecord row = (GenericRecord) records.stream().filter(r -> r.value() != null
                && r.value().get("event_id").toString().equals(change.getEventId())).findFirst().orElseThrow().value().get("after");
        assertThat(row.get("segment_name").toString()).isEqualTo("gold");
        assertThat(row.get("phone").toString()).isEqualTo("***");
        assertThat(row.get("email_hash").toString()).doesNotContain("@");

        HttpResponse<String> again = post(request); // the KafkaSource redelivers the same event
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body().trim()).isEqualTo("DUPLICATE");
        assertThat(viewIds()).filteredOn(change.getEventId()::equals).hasSize(1);
    }

    @Test
    void requestThatIsNotAKafkaSourceCloudEventIs400() {
        HttpResponse<String> noId = post(HttpRequest.newBuilder(processor.uri())
                .header("ce-specversion", "1.0").header("ce-type", "dev.knative.kafka.event")
                .header("ce-source", "/apis/v1/namespaces/tributary/kafkasources/processor#" + CUSTOMERS)
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(noId.body()).contains("header ce-id is missing");

        HttpResponse<String> plain = post(HttpRequest.newBuilder(processor.uri())
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(plain.body()).contains("ce-specversion");

        HttpResponse<String> otherType = post(cloudEvent(processor.uri(), CUSTOMERS, change(2))
                .setHeader("ce-type", "dev.knative.sources.ping").build());
        assertThat(otherType.statusCode()).isEqualTo(400);
        assertThat(otherType.body()).contains("a record delivered by a KafkaSource");
    }

    @Test
    void undecodableValueIsDeadLetteredAndAnswered200() {
        long offset = OFFSETS.incrementAndGet();
        HttpResponse<String> response = post(HttpRequest.newBuilder(processor.uri())
                .header("ce-specversion", "1.0").header("ce-id", "partition:0/offset:" + offset)
                .header("ce-source", "/apis/v1/namespaces/tributary/kafkasources/processor#" + CUSTOMERS)
                .header("ce-type", "dev.knative.kafka.event").header("ce-subject", "partition:0#" + offset)
                .POST(HttpRequest.BodyPublishers.ofString("not avro")).build());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body().trim()).isEqualTo("DEAD_LETTERED");
        assertThat(client.readBytes(DLQ)).anySatisfy(r -> {
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
            assertThat(header(r, DeadLetters.TOPIC)).isEqualTo(CUSTOMERS);
            assertThat(header(r, DeadLetters.OFFSET)).isEqualTo(Long.toString(offset));
            assertThat(header(r, DeadLetters.REASON)).startsWith("deserialization");
        });
    }

    @Test
    void redisDownIs503WithinTheRetryBudgetAndTheResentEventIsPublished() {
        CustomerChange change = change(3);
        HttpRequest request = cloudEvent(processor.uri(), CUSTOMERS, change).build();
        RedisServer redis = TestServices.shared().redis();
        redis.stop();
        HttpResponse<String> down;
        long took;
        try {
            long start = System.nanoTime();
            down = post(request);
            took = Duration.ofNanos(System.nanoTime() - start).toMillis();
        } finally {
            redis.start();
        }
        assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
        assertThat(took).as("answered within the budget (3s) plus slack").isBetween(2_500L, 15_000L);
        assertThat(viewIds()).doesNotContain(change.getEventId());

        // the KafkaSource retries: once Redis is back, the same event is published
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> post(request).statusCode() == 200);
        assertThat(viewIds()).filteredOn(change.getEventId()::equals).hasSize(1);
    }

    /**
     * SIGTERM with requests in flight: Redis is stopped so that every posted change is held inside the
     * processor (no answer yet), then the process gets SIGTERM, then Redis comes back. Every request answered
     * 2xx must have its view record on the topic; the others must have failed (non-2xx or connection error),
     * so the KafkaSource would resend them. Quarkus's graceful shutdown ({@code quarkus.shutdown.timeout})
     * lets the in-flight ones finish: they all answer 2xx. Requests arriving once shutdown began (Quarkus
     * 3.34 still serves them, with {@code Connection: close}) must follow the same rule.
     */
    @Test
    void sigtermWithRequestsInFlightLosesNothingAnswered2xx() throws Exception {
        TestServices services = TestServices.shared();
        try (Processor draining = Processor.start(services, "sigterm", Map.of("processor.push.max-retry-time", "60s",
                "quarkus.shutdown.timeout", "60s"))) {
            RedisServer redis = services.redis();
            List<CustomerChange> changes = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> late = new ArrayList<>();
            redis.stop();
            try {
                for (int i = 0; i < 20; i++) {
                    CustomerChange change = change(100 + i);
                    changes.add(change);
                    inFlight.add(HTTP.sendAsync(cloudEvent(draining.uri(), CUSTOMERS, change).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                await("all 20 changes inside the processor").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> draining.counter("tributary_processor_records_in_total") >= 20);
                assertThat(inFlight).noneMatch(CompletableFuture::isDone);

                draining.sigterm();
                await("graceful shutdown started").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> Files.readString(draining.log).contains("Waiting for HTTP requests to complete"));
                for (int i = 0; i < 5; i++) {
                    CustomerChange change = change(200 + i);
                    changes.add(change);
                    late.add(HTTP.sendAsync(cloudEvent(draining.uri(), CUSTOMERS, change).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
            } finally {
                redis.start();
            }
            await("processor exits").atMost(Duration.ofSeconds(90)).until(() -> !draining.process.isAlive());

            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>(inFlight);
            all.addAll(late);
            List<String> published = viewIds();
            int ok = 0;
            int refused = 0;
            for (int i = 0; i < all.size(); i++) {
                HttpResponse<String> response = all.get(i).handle((r, e) -> r).get();
                String eventId = changes.get(i).getEventId();
                if (response != null && response.statusCode() / 100 == 2) {
                    ok++;
                    assertThat(published).as("answered 2xx: " + eventId).contains(eventId);
                } else {
                    refused++; // non-2xx or connection error: the KafkaSource resends it
                }
            }
            System.out.printf("SIGTERM test: %d answered 2xx (all on the view topic), %d refused (would be resent); log %s%n",
                    ok, refused, draining.log);
            for (CompletableFuture<HttpResponse<String>> request : inFlight) {
                HttpResponse<String> response = request.handle((r, e) -> r).get();
                assertThat(response).as("in-flight request completed before exit").isNotNull();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The packaged processor in push mode as a separate process. */
    static final class Processor implements AutoCloseable {

        final Process process;
        final Path log;
        final int port;

        private Processor(Process process, Path log, int port) {
            this.process = process;
            this.log = log;
            this.port = port;
        }

        static Processor start(TestServices services, String name, Map<String, String> settings) {
            Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
            assertThat(jar).as("packaged application (mvn package runs before the ITs)").exists();
            int port = freePort();
            Map<String, String> config = new HashMap<>(RealServicesResource.configFor(services, List.of("kafka", "redis", "registry")));
            config.put("mp.messaging.connector.smallrye-kafka.apicurio.registry.url", services.registry().url());
            config.put("quarkus.http.port", Integer.toString(port));
            config.put("quarkus.http.host", "127.0.0.1");
            config.put("processor.masking.key", "push-test-key");
            config.put("processor.push.enabled", "true");
            config.put("mp.messaging.incoming.changes.enabled", "false");
            config.put("mp.messaging.incoming.changes.topic", "push\\.public\\.(customers|orders)");
            config.put("processor.views.customer_view.source-topic", CUSTOMERS);
            config.put("processor.views.customer_view.joins.segment.reference-topic", SEGMENTS);
            config.put("processor.views.order_view.source-topic", ORDERS);
            config.put("processor.view-topic-prefix", "push.view.");
            config.put("processor.dead-letter-topic", DLQ);
            config.put("processor.retry.max-backoff", "500ms");
            config.putAll(settings);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx256m");
            config.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-jar");
            command.add(jar.toString());
            try {
                Path log = Path.of("target", "push-processor-" + name + ".log");
                Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                Processor processor = new Processor(process, log, port);
                await("processor " + name + " ready (log " + log + ")").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500)).until(() -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException("processor exited " + process.exitValue() + ": " + Files.readString(log));
                            }
                            return processor.status("/q/health/ready") == 200;
                        });
                return processor;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port + "/");
        }

        int status(String path) {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /** The sum of a Prometheus counter over its tags. */
        double counter(String name) throws Exception {
            String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*\\} (\\S+)$").matcher(text);
            double sum = 0;
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
            return sum;
        }

        /** SIGTERM, as Kubernetes sends it when scaling down. */
        void sigterm() {
            process.destroy();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy();
                await().atMost(Duration.ofSeconds(90)).until(() -> !process.isAlive());
            }
        }

        private static int freePort() {
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
