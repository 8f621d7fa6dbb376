package io.tributary.capture.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packaged service exits non-zero, saying why, on bad configuration and when its engine dies. */
class CaptureExitIT {

    private static final CaptureDatabase DB = new CaptureDatabase("exit_it");

    @BeforeAll
    static void database() {
        DB.create(null);
    }

    @AfterAll
    static void drop() {
        DB.drop();
    }

    @Test
    void missingSettingFailsStartNamingTheKey() throws Exception {
        Map<String, String> config = DB.config("public.orders");
        config.remove("capture.kafka.bootstrap-servers");
        Path log = Path.of("target", "exit-it-missing-key.log");
        Files.deleteIfExists(log);
        try (CaptureProcess p = new CaptureProcess(config, log).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !p.process().isAlive());
            assertThat(p.process().exitValue()).isNotZero();
            assertThat(Files.readString(log)).contains("capture.kafka.bootstrap-servers");
        }
    }

    @Test
    void engineDeathExitsWithStatusOne() throws Exception {
        Map<String, String> config = DB.config("public.customer_segments");
        Path log = Path.of("target", "exit-it-engine-death.log");
        Files.deleteIfExists(log);
        try (CaptureProcess p = new CaptureProcess(config, log).start().awaitReady(Duration.ofSeconds(60))) {
            try (Connection c = DB.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO customer_segments (id, name, tier) VALUES (1, 'a', 'b')");
                s.execute("ALTER TABLE customer_segments ALTER COLUMN id TYPE text");
                s.execute("INSERT INTO customer_segments (id, name, tier) VALUES ('x', 'a', 'b')");
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !p.process().isAlive());
            assertThat(p.process().exitValue()).isEqualTo(1);
            assertThat(Files.readString(log)).contains("registry refused the new schema of table public.customer_segments");
        }
    }
}
