package io.tributary.outbox;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.awaitility.Awaitility;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.stack.PostgresServer;
import io.tributary.testsupport.TestServices;

/**
 * For {@link OutboxPipelineIT}: a database of its own ({@value #DATABASE}, demo tables loaded) on the shared test
 * PostgreSQL, so that the capture-service it starts sees only this test's writes; Kafka and the registry are
 * started too. The app runs with the production outbox setting: each event row is deleted in its own transaction
 * right after the insert, so only the write-ahead log carries it.
 */
public class PipelineDatabaseResource implements QuarkusTestResourceLifecycleManager {

    /** The database, also the name of the capture-service's slot and publication. */
    public static final String DATABASE = "outbox_pipeline_it";

    @Override
    public Map<String, String> start() {
        TestServices services = TestServices.shared();
        PostgresServer pg = services.postgres();
        services.kafka();
        services.registry();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            dropSlot(s);
            s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/schema.sql");
                Connection c = pg.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.devservices.enabled", "false");
        config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl(DATABASE));
        config.put("quarkus.datasource.username", PostgresServer.USER);
        config.put("quarkus.debezium-outbox.remove-after-insert", "true");
        return config;
    }

    /** Drops the replication slot of this test's capture-service (ending its connection first, if any). */
    static void dropSlot(Statement s) throws SQLException {
        s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + DATABASE
                + "' AND active_pid IS NOT NULL");
        // a terminated walsender releases the slot asynchronously: drop it once it is inactive
        Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + DATABASE
                    + "' AND NOT active");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + DATABASE + "'")) {
                return rs.next() && rs.getLong(1) == 0;
            }
        });
    }

    @Override
    public void stop() {
        try (Connection c = TestServices.shared().postgres().connect(); Statement s = c.createStatement()) {
            dropSlot(s);
            s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
        } catch (SQLException | RuntimeException e) {
            System.err.println("could not drop test database " + DATABASE + ": " + e.getMessage());
        }
    }
}
