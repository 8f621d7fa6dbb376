package io.tributary.processor.it;

import static io.tributary.processor.Changes.customer;
import static io.tributary.processor.Changes.customerChange;
import static io.tributary.processor.Changes.segmentChange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.avro.Op;
import io.tributary.demo.CustomerChange;
import io.tributary.testsupport.TestServices;

/**
 * The packaged processor ({@code target/quarkus-app/quarkus-run.jar}) as its own process, killed with
 * SIGKILL mid-stream and started again: the view topic must hold every input change, and each event id
 * at most once — but for the documented windows (see {@code DedupeStore}): the changes of the batch in flight
 * when the process died, published (acked or not) but not yet recorded, are published again (at most one
 * consumed batch, {@code max.poll.records}, per consumer).
 *
 * <p>Uses its own topics ({@code crash.*}), so the {@code @QuarkusTest} application of this JVM ignores them.
 */
class ProcessorCrashIT {

    static final String CUSTOMERS = "crash.public.customers";
    static final String SEGMENTS = "crash.public.customer_segments";
    static final String ORDERS = "crash.public.orders";
    static final String VIEW = "crash.view.customer_view";
    /** The processor's {@code mp.messaging.incoming.changes.max.poll.records}: the most changes of one batch. */
    static final int MAX_POLL_RECORDS = 500;
    /** Changes waiting when the first processor starts. */
    private static final int FIRST_RUN = 8000;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcessors() {
        processes.forEach(Process::destroyForcibly);
    }

    Process startProcessor(TestServices services, int run) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertThat(jar).as("packaged application (mvn package runs before the ITs)").exists();
        Map<String, String> props = Map.ofEntries(
                Map.entry("kafka.bootstrap.servers", services.kafka().bootstrapServers()),
                Map.entry("quarkus.redis.hosts", services.redis().uri()),
                Map.entry("apicurio.registry.url", services.registry().url()),
                Map.entry("mp.messaging.connector.smallrye-kafka.apicurio.registry.url", services.registry().url()),
                Map.entry("processor.masking.key", "crash-test-key"),
                Map.entry("quarkus.http.port", "0"),
                Map.entry("mp.messaging.incoming.changes.topic", "crash\\.public\\.(customers|orders)"),
                Map.entry("mp.messaging.incoming.changes.group.id", "crash-processor"),
                Map.entry("mp.messaging.incoming.changes.metadata.max.age.ms", "1000"),
                Map.entry("mp.messaging.incoming.changes.max.poll.records", Integer.toString(MAX_POLL_RECORDS)),
                Map.entry("processor.views.customer_view.source-topic", CUSTOMERS),
                Map.entry("processor.views.customer_view.joins.segment.reference-topic", SEGMENTS),
                Map.entry("processor.views.order_view.source-topic", ORDERS),
                Map.entry("processor.view-topic-prefix", "crash.view."),
                Map.entry("processor.dead-letter-topic", "crash.dlq"),
                Map.entry("processor.retry.max-backoff", "1s"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        File log = Path.of("target", "crash-processor-" + run + ".log").toFile();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        processes.add(process);
        return process;
    }

    @Test
    void killedWithSigkillMidStreamAndRestartedLosesNothing() throws Exception {
        TestServices services = TestServices.shared();
        try (KafkaTestClient client = new KafkaTestClient(services.kafka().bootstrapServers(), services.registry().url())) {
            client.createTopics(CUSTOMERS, SEGMENTS, ORDERS);
            client.send(SEGMENTS, segmentChange(Op.INSERT, 1, "gold", "A"));
            List<String> ids = new ArrayList<>();
            // enough that the processor (thousands a second) is still busy when the cheap end-offset check sees 200
            for (int i = 0; i < FIRST_RUN; i++) {
                ids.add(send(client, i));
            }
            client.flush();

            Process first = startProcessor(services, 1);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> client.endOffsets(VIEW) >= 200);
            first.destroyForcibly().waitFor(); // SIGKILL on Linux
            int seenAtKill = client.readAvro(VIEW).size();
            assertThat(seenAtKill).as("killed mid-stream").isLessThan(ids.size());

            for (int i = FIRST_RUN; i < FIRST_RUN + 500; i++) {
                ids.add(send(client, i));
            }
            client.flush();
            long restart = System.nanoTime();
            startProcessor(services, 2);

            Set<String> expected = new HashSet<>(ids);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> KafkaTestClient.set(KafkaTestClient.eventIds(client.readAvro(VIEW))).containsAll(expected));

            long took = Duration.ofNanos(System.nanoTime() - restart).toMillis();
            List<String> published = KafkaTestClient.eventIds(client.readAvro(VIEW));
            Map<String, Long> counts = published.stream().collect(Collectors.groupingBy(Function.identity(),
                    Collectors.counting()));
            List<String> twice = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            System.out.printf("crash test: %d of %d published at the kill; the rest (incl. start-up) took %d ms;"
                    + " %d event id(s) published twice%n", seenAtKill, ids.size(), took, twice.size());
            assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(counts.values()).allMatch(c -> c <= 2);
            // one consumer, one batch in flight: at most its changes are published twice (DedupeStore, windows 1 and 2)
            assertThat(twice).as("event ids published twice").hasSizeLessThanOrEqualTo(MAX_POLL_RECORDS);
            assertThat(client.readBytes("crash.dlq")).isEmpty();
        }
    }

    private static String send(KafkaTestClient client, int i) {
        CustomerChange change = customerChange(i % 3 == 0 ? Op.UPDATE : Op.INSERT,
                customer(i % 400, "c" + i + "@example.com", "555-" + i, 1));
        client.sendAsync(CUSTOMERS, change);
        return change.getEventId();
    }
}
