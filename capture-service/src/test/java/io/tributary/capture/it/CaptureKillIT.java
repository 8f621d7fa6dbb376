package io.tributary.capture.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.tributary.capture.it.TopicReader.Change;

/**
 * The packaged capture-service is killed with SIGKILL in the middle of a stream of 10k changes and
 * restarted: every change must be in Kafka at least once; duplicates are counted, printed, and must carry
 * the same event id as their first copy. Each row's {@code placed_at} is a different instant, checked row by row: the
 * packaged service runs in a zone with a half-hour offset, in which PostgreSQL prints it {@code timestamptz} values, and
 * reads them with the copy in debezium-patches.
 */
class CaptureKillIT {

    private static final int ROWS = 10_000;
    private static final CaptureDatabase DB = new CaptureDatabase("kill_it");

    @BeforeAll
    static void database() {
        DB.create(null);
    }

    @AfterAll
    static void drop() {
        DB.drop();
    }

    @Test
    void killNineMidStreamLosesNothing() throws Exception {
        Map<String, String> config = DB.config("public.orders");
        // offsets committed only every 3 s, so that the kill leaves sent-but-uncommitted changes to be re-sent
        config.put("capture.offset-flush-interval", "3s");
        // the replication connection's session zone: PostgreSQL prints timestamptz values as +05:30
        config.put("user.timezone", "Asia/Kolkata");
        Path log = Path.of("target", "kill-it-capture.log");
        try (TopicReader reader = new TopicReader(DB.bootstrapServers(), DB.registryUrl(), Pattern.compile(Pattern.quote(DB.prefix()) + "\\.public\\.orders"))) {
            CaptureProcess first = new CaptureProcess(config, log).start().awaitReady(Duration.ofSeconds(60));
            CompletableFuture<Void> writer = CompletableFuture.runAsync(CaptureKillIT::write);
            int seenAtKill;
            try {
                seenAtKill = reader.until(Duration.ofSeconds(60), seen -> seen.size() >= 1_500).size();
                first.kill();
            } finally {
                first.close();
            }
            writer.join();
            System.out.printf("capture-service killed (SIGKILL) after %d of %d changes were read back; exit %d%n",
                    seenAtKill, ROWS, first.process().exitValue());
            assertThat(first.process().exitValue()).isEqualTo(137);

            try (CaptureProcess second = new CaptureProcess(config, log).start().awaitReady(Duration.ofSeconds(60))) {
                List<Change> all = reader.until(Duration.ofSeconds(120),
                        seen -> seen.stream().map(c -> c.key().get("id")).distinct().count() >= ROWS);

                Set<Long> keys = all.stream().map(c -> (Long) c.key().get("id")).collect(Collectors.toSet());
                assertThat(keys).hasSize(ROWS);
                Map<String, Long> perEvent = all.stream().collect(Collectors.groupingBy(Change::eventId, Collectors.counting()));
                long duplicates = all.size() - perEvent.size();
                System.out.printf("after restart: %d records, %d distinct event ids, %d duplicates (%d events delivered more than once)%n",
                        all.size(), perEvent.size(), duplicates, perEvent.values().stream().filter(n -> n > 1).count());
                // one insert per key: a key with two different event ids would be a changed id on redelivery
                Map<Object, Set<String>> idsPerKey = new HashMap<>();
                all.forEach(c -> idsPerKey.computeIfAbsent(c.key().get("id"), k -> new java.util.HashSet<>()).add(c.eventId()));
                assertThat(idsPerKey.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
                assertThat(all).allSatisfy(c -> assertThat(c.op()).isEqualTo("INSERT"));
                // within each key (one partition) the LSN never goes backwards except for redelivered copies
                assertThat(perEvent).hasSize(ROWS);
                assertThat(all).allSatisfy(c -> assertThat(c.after().get("placed_at")).as("placed_at of order %s", c.key().get("id"))
                        .isEqualTo(placedAtMicros((Long) c.key().get("id"))));
            }
        }
    }

    /** Order {@code id}'s {@code placed_at}, in microseconds since the epoch: whole seconds, milli- and microseconds. */
    private static long placedAtMicros(long id) {
        return 1_700_000_000_000_000L + id * 86_400_123_457L / (id % 3 + 1);
    }

    /** 10k inserts in transactions of 20 rows. */
    private static void write() {
        try (Connection c = DB.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, customer_id, amount, currency, status, placed_at) "
                    + "VALUES (?, ?, ?, 'EUR', 'new', ?)")) {
                for (int i = 1; i <= ROWS; i++) {
                    ps.setLong(1, i);
                    ps.setLong(2, i % 97);
                    ps.setBigDecimal(3, new java.math.BigDecimal(i).movePointLeft(2));
                    long micros = placedAtMicros(i);
                    ps.setObject(4, java.time.OffsetDateTime.ofInstant(java.time.Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS),
                            java.time.ZoneOffset.UTC));
                    ps.addBatch();
                    if (i % 20 == 0) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
