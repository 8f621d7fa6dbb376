package io.tributary.capture.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.tributary.capture.config.CaptureConfig;
import io.tributary.stack.PostgresServer;
import io.tributary.testsupport.TestServices;

/** A PostgreSQL that cannot serve logical replication is refused with a message saying why. */
class PostgresPreflightIT {

    static CaptureConfig.Database database(int port, String user) {
        Map<String, String> values = new java.util.HashMap<>(CaptureConfigTest.valid());
        values.put("capture.database.host", "127.0.0.1");
        values.put("capture.database.port", Integer.toString(port));
        values.put("capture.database.user", user);
        return new SmallRyeConfigBuilder().withMapping(CaptureConfig.class).withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter()).withSources(new PropertiesConfigSource(values, "t", 100))
                .build().getConfigMapping(CaptureConfig.class).database();
    }

    @Test
    void userWithoutReplicationRightsIsRefused() throws Exception {
        PostgresServer pg = TestServices.shared().postgres();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'no_repl') THEN CREATE ROLE no_repl LOGIN; END IF; END $$");
        }
        assertThatThrownBy(() -> new PostgresPreflight(database(pg.port(), "no_repl")).check(List.of("public.customers"), "public.hb", "public.sig"))
                .hasMessageContaining("user 'no_repl' has no replication rights");
    }

    @Test
    void tableWithoutPrimaryKeyOrMissingIsRefused() throws Exception {
        PostgresServer pg = TestServices.shared().postgres();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS preflight_no_pk (a integer)");
        }
        assertThatThrownBy(() -> new PostgresPreflight(database(pg.port(), "postgres"))
                .check(List.of("public.preflight_no_pk", "public.missing"), "public.hb", "public.sig"))
                .hasMessageContaining("table public.preflight_no_pk (capture.tables) has no primary key")
                .hasMessageContaining("table public.missing (capture.tables) does not exist");
    }

    @Test
    void walLevelOtherThanLogicalIsRefused() throws Exception {
        TestServices own = TestServices.isolated();
        try {
            PostgresServer pg = own.postgres();
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET wal_level = 'replica'");
            }
            pg.stop();
            pg.start();
            assertThatThrownBy(() -> new PostgresPreflight(database(pg.port(), "postgres")).check(List.of("public.x"), "public.hb", "public.sig"))
                    .hasMessageContaining("runs with wal_level=replica: logical decoding needs wal_level=logical");
        } finally {
            own.stopAll();
        }
    }
}
