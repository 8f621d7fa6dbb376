package io.tributary.capture.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import io.tributary.stack.PostgresServer;
import io.tributary.testsupport.TestServices;

/**
 * One test's own database, replication slot, publication and topic prefix on the shared services, so that
 * test classes never see each other's changes. {@link #drop()} removes the slot and the database.
 */
public final class CaptureDatabase {

    private final TestServices services = TestServices.shared();
    private final String name;

    public CaptureDatabase(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public String slot() {
        return "slot_" + name;
    }

    public String prefix() {
        return "it-" + name;
    }

    public PostgresServer postgres() {
        return services.postgres();
    }

    public Connection connect() throws SQLException {
        return postgres().connect(name);
    }

    /** Creates the database afresh and runs a classpath SQL script in it. */
    public void create(String scriptResource) {
        PostgresServer pg = postgres();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot() + "'");
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(resource("demo/schema.sql"));
            if (scriptResource != null) {
                s.execute(resource(scriptResource));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The capture.* configuration pointing at this database and the shared Kafka and registry. */
    public Map<String, String> config(String tables) {
        Map<String, String> config = new HashMap<>();
        PostgresServer pg = postgres();
        config.put("capture.database.host", "127.0.0.1");
        config.put("capture.database.port", Integer.toString(pg.port()));
        config.put("capture.database.name", name);
        config.put("capture.database.user", PostgresServer.USER);
        config.put("capture.kafka.bootstrap-servers", services.kafka().bootstrapServers());
        config.put("capture.registry.url", services.registry().url());
        config.put("capture.tables", tables);
        config.put("capture.topic-prefix", prefix());
        config.put("capture.slot-name", slot());
        config.put("capture.publication-name", "pub_" + name);
        config.put("capture.name", "capture-" + name);
        config.put("capture.partitions", "2");
        config.put("capture.heartbeat-interval", "1s");
        return config;
    }

    public String bootstrapServers() {
        return services.kafka().bootstrapServers();
    }

    public String registryUrl() {
        return services.registry().url();
    }

    /** Drops the slot (once nothing uses it) and the database. */
    public void drop() {
        try (Connection c = postgres().connect(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot() + "' AND active_pid IS NOT NULL");
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot() + "' AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop test database " + name + ": " + e.getMessage());
        }
    }

    private static String resource(String path) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no classpath resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
