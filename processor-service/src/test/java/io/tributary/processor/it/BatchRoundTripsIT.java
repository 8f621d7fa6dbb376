package io.tributary.processor.it;

import static io.tributary.processor.Changes.orderChange;
import static io.tributary.processor.it.TopicsResource.ORDERS;
import static io.tributary.processor.it.TopicsResource.ORDER_VIEW;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.avro.Op;
import io.tributary.demo.OrderChange;
import io.tributary.processor.messaging.ChangeOutcome;
import io.tributary.processor.messaging.ChangePipeline;
import io.tributary.processor.messaging.ChangeRecord;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/**
 * A batch of changes costs two Redis commands whatever its size — one {@code MGET} to look its event ids up,
 * one {@code EVAL} to record them once their view records are acked — not two per change. Counted, not timed:
 * Redis {@code MONITOR} lists every command that names one of the batch's event ids. Same application and
 * resources as {@link ProcessorIT}.
 */
@QuarkusTest
@QuarkusTestResource(value = RealServicesResource.class, initArgs = @ResourceArg(name = "services", value = "kafka,redis,registry"))
@QuarkusTestResource(TopicsResource.class)
class BatchRoundTripsIT {

    static final int CHANGES = 60;

    @Inject
    ChangePipeline pipeline;

    @Test
    void aBatchCostsOneDedupeLookupAndOneDedupeRecordInRedis() throws Exception {
        TestServices services = TestServices.shared();
        List<ChangeRecord> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try (KafkaTestClient client = new KafkaTestClient(services.kafka().bootstrapServers(), services.registry().url())) {
            for (int i = 0; i < CHANGES; i++) {
                OrderChange change = orderChange(Op.INSERT, 70_000 + i, 1, "3.00", "PLACED");
                ids.add(change.getEventId());
                batch.add(new ChangeRecord(ORDERS, 0, i, null, client.valueBytes(ORDERS, change), new RecordHeaders()));
            }

            List<String> first;
            try (Monitor monitor = new Monitor(services.redis().port())) {
                assertThat(pipeline.handleAll(batch).await().atMost(Duration.ofSeconds(60)))
                        .hasSize(CHANGES).containsOnly(ChangeOutcome.PUBLISHED);
                first = monitor.commandsNaming(ids);
            }
            assertThat(first).as("Redis commands naming the batch's event ids").hasSize(2);
            assertThat(first.get(0)).startsWithIgnoringCase("\"mget\"");
            assertThat(first.get(1)).startsWithIgnoringCase("\"eval\"");
            for (String id : ids) {
                assertThat(first.get(0)).contains(id);
                assertThat(first.get(1)).contains(id);
            }
            assertThat(KafkaTestClient.eventIds(client.readAvro(ORDER_VIEW))).containsAll(ids);

            // delivered again: one look-up finds them all, nothing is published or recorded
            List<String> again;
            try (Monitor monitor = new Monitor(services.redis().port())) {
                assertThat(pipeline.handleAll(batch).await().atMost(Duration.ofSeconds(60)))
                        .containsOnly(ChangeOutcome.DUPLICATE);
                again = monitor.commandsNaming(ids);
            }
            assertThat(again).hasSize(1);
            assertThat(again.get(0)).startsWithIgnoringCase("\"mget\"");
        }
    }

    /**
     * A Redis {@code MONITOR} connection. {@link #commandsNaming} first sends a marker through a second
     * connection, then reads the feed up to it: every command executed before is in what it read.
     */
    static final class Monitor implements AutoCloseable {
        private final int port;
        private final Socket socket;
        private final BufferedReader feed;

        Monitor(int port) throws IOException {
            this.port = port;
            this.socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            this.feed = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            command(socket.getOutputStream(), "MONITOR");
            assertThat(feed.readLine()).isEqualTo("+OK");
        }

        /** The commands clients sent (not those a script ran) naming any of {@code ids}, as MONITOR prints them. */
        List<String> commandsNaming(List<String> ids) throws IOException {
            String marker = "marker-" + UUID.randomUUID();
            try (Socket other = new Socket("127.0.0.1", port)) {
                command(other.getOutputStream(), "ECHO", marker);
                other.getInputStream().read();
            }
            List<String> commands = new ArrayList<>();
            for (String line = feed.readLine(); line != null && !line.contains(marker); line = feed.readLine()) {
                int start = line.indexOf("] ");
                if (start < 0 || line.contains(" lua] ")) {
                    continue;
                }
                String command = line.substring(start + 2);
                if (ids.stream().anyMatch(command::contains)) {
                    commands.add(command);
                }
            }
            return commands;
        }

        private static void command(OutputStream out, String... args) throws IOException {
            StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                resp.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
