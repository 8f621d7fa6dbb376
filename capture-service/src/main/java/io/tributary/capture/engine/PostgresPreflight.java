package io.tributary.capture.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.tributary.capture.config.CaptureConfig;

/**
 * Checks the source database before the engine starts, so that a misconfigured PostgreSQL fails start-up
 * with a message that says what is wrong instead of a connector stack trace; also creates the heartbeat
 * and signal tables when they are missing, and answers questions the envelope needs (replica identity).
 */
public class PostgresPreflight {

    private final CaptureConfig.Database db;

    public PostgresPreflight(CaptureConfig.Database db) {
        this.db = db;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.name();
    }

    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        db.password().ifPresent(p -> props.setProperty("password", p));
        props.setProperty("ApplicationName", "tributary-capture");
        props.setProperty("connectTimeout", "10");
        db.sslMode().ifPresent(mode -> props.setProperty("sslmode", mode));
        db.sslRootCert().ifPresent(file -> props.setProperty("sslrootcert", file));
        return DriverManager.getConnection(jdbcUrl(), props);
    }

    /** Fails with an {@link IllegalStateException} naming the problem; returns quietly when capture can start. */
    public void check(List<String> tables, String heartbeatTable, String signalTable) {
        try (Connection c = connect()) {
            String walLevel = single(c, "SHOW wal_level");
            if (!"logical".equals(walLevel)) {
                throw new IllegalStateException("PostgreSQL at " + jdbcUrl() + " runs with wal_level=" + walLevel
                        + ": logical decoding needs wal_level=logical (set it in postgresql.conf and restart PostgreSQL)");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user");
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new IllegalStateException("database user '" + db.user() + "' has no replication rights: "
                            + "grant them with ALTER ROLE " + db.user() + " WITH REPLICATION (or use a superuser)");
                }
            }
            List<String> problems = new ArrayList<>();
            for (String table : tables) {
                String[] parts = split(table);
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT c.oid, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
                        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')""")) {
                    ps.setString(1, parts[0]);
                    ps.setString(2, parts[1]);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            problems.add("table " + table + " (capture.tables) does not exist in database " + db.name());
                        } else if (!rs.getBoolean(2)) {
                            problems.add("table " + table + " (capture.tables) has no primary key: the capture-service keys "
                                    + "its topic by primary key and refuses a table without one");
                        }
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException(String.join("; ", problems));
            }
            // created only when missing: a least-privilege role may use the tables but not create any
            createIfMissing(c, heartbeatTable, "(id integer PRIMARY KEY, ts timestamptz NOT NULL)");
            createIfMissing(c, signalTable, "(id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))");
        } catch (SQLException e) {
            throw new IllegalStateException(explain(e), e);
        }
    }

    private static void createIfMissing(Connection c, String table, String columns) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getBoolean(1)) {
                    return;
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " " + columns);
        }
    }

    /** The failure as a start-up message, naming the key to fix when PostgreSQL refused the login or the TLS. */
    String explain(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = e.getMessage() == null ? "" : e.getMessage();
        String where = "PostgreSQL at " + jdbcUrl() + " as user " + db.user();
        if (state.equals("28P01") || state.equals("28000") && message.contains("password")) {
            return where + " refused the password (capture.database.user, capture.database.password): " + message;
        }
        if (state.equals("28000")) {
            return where + " refused the connection (pg_hba.conf; with TLS required set capture.database.ssl-mode): " + message;
        }
        if (message.contains("SSL") || message.contains("certificate")) {
            return "TLS with " + where + " failed (capture.database.ssl-mode, capture.database.ssl-root-cert): " + message;
        }
        return "cannot check " + where + ": " + message;
    }

    /** True when the table logs whole old rows (REPLICA IDENTITY FULL). */
    public boolean fullRowImage(String schema, String table) {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = ? AND c.relname = ?""")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "f".equals(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the replica identity of " + schema + "." + table + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of WAL the slot retains (current WAL position minus the slot's confirmed flush LSN), or -1. */
    public long slotLagBytes(String slot) {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint
                        FROM pg_replication_slots WHERE slot_name = ?""")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1L;
            }
        } catch (SQLException e) {
            return -1L;
        }
    }

    /** Inserts a Debezium signal into the signal table. */
    public void signal(String signalTable, String id, String type, String data) {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + signalTable + " (id, type, data) VALUES (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, type);
            ps.setString(3, data);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write a signal to " + signalTable + ": " + e.getMessage(), e);
        }
    }

    static String[] split(String qualified) {
        int dot = qualified.indexOf('.');
        if (dot <= 0 || dot == qualified.length() - 1 || qualified.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("'" + qualified + "' is not schema.table");
        }
        return new String[] { qualified.substring(0, dot), qualified.substring(dot + 1) };
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
