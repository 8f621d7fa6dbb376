package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * PostgreSQL with logical decoding (wal_level=logical), initialised with initdb under its own folder and
 * run by pg_ctl; as the postgres user when we are root, since PostgreSQL refuses to run as root.
 */
public final class PostgresServer implements ManagedService {

    public static final String USER = "postgres";

    private final Path dir;
    private final int port;
    private final String database;

    public PostgresServer(Path dir, int port, String database) {
        this.dir = dir.toAbsolutePath();
        this.port = port;
        this.database = database;
    }

    @Override
    public String name() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    @Override
    public String address() {
        return "127.0.0.1:" + port + "/" + database;
    }

    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
    }

    /** A connection to the stack's database as the superuser (trust authentication on loopback). */
    public Connection connect() throws SQLException {
        return connect(database);
    }

    public Connection connect(String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("connectTimeout", "2");
        return DriverManager.getConnection(jdbcUrl(db), props);
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    public Path logFile() {
        return dir.resolve("postgres.log");
    }

    @Override
    public synchronized void start() {
        if (!isRunning()) {
            Processes.requireFree(name(), port, dir);
            initIfNeeded();
            pgCtl(Duration.ofSeconds(60), "start", "-w", "-t", "50", "-l", logFile().toString());
        }
        if (!Processes.waitFor(Duration.ofSeconds(30), this::isHealthy)) {
            throw new StackException("postgres does not answer at " + address() + "; last log lines:\n"
                    + String.join("\n", Processes.tail(logFile(), 30)));
        }
        createDatabaseIfMissing();
    }

    @Override
    public synchronized void stop() {
        var postmaster = Processes.alive(pidFile());
        if (postmaster.isPresent()) {
            Processes.Result result = pgCtlResult(Duration.ofSeconds(60), "stop", "-m", "fast", "-w", "-t", "50");
            // pg_ctl returns once postmaster.pid is gone, a moment before the process itself
            if (result.exitCode() != 0 || !Processes.waitFor(Duration.ofSeconds(10), () -> !Processes.isLive(postmaster.get()))) {
                Processes.terminate(postmaster.get(), Duration.ofSeconds(10));
            }
            Processes.awaitPortsClosed(name(), List.of(port), Duration.ofSeconds(15));
        }
    }

    @Override
    public synchronized void kill() {
        var postmaster = Processes.alive(pidFile());
        postmaster.ifPresent(Processes::killHard);
        if (postmaster.isPresent()) {
            Processes.awaitPortsClosed(name(), List.of(port), Duration.ofSeconds(15));
        }
    }

    private Path pidFile() {
        return dataDir().resolve("postmaster.pid");
    }

    @Override
    public boolean isRunning() {
        return Processes.alive(pidFile()).isPresent();
    }

    @Override
    public boolean isHealthy() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            return s.execute("SELECT 1");
        } catch (SQLException e) {
            return false;
        }
    }

    private void initIfNeeded() {
        if (Files.exists(dataDir().resolve("PG_VERSION"))) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Files.createDirectories(dataDir());
            Files.deleteIfExists(logFile());
            Files.createFile(logFile());
            if (Processes.isRoot()) {
                Processes.chownTree(dir, USER);
                Processes.makeTraversable(dir.getParent());
            }
            asPostgres(Duration.ofSeconds(120), Binaries.postgresBin().resolve("initdb").toString(),
                    "-D", dataDir().toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            Files.writeString(dataDir().resolve("postgresql.conf"), String.join("\n",
                    "",
                    "# written by the Tributary local stack",
                    "listen_addresses = '127.0.0.1'",
                    "port = " + port,
                    "unix_socket_directories = '" + dir + "'",
                    "wal_level = logical",
                    "max_replication_slots = 20",
                    "max_wal_senders = 20",
                    "max_connections = 100",
                    "track_commit_timestamp = on",
                    "# speed for a local, disposable cluster; decoding only reads flushed WAL, so keep synchronous_commit on",
                    "fsync = off",
                    "full_page_writes = off",
                    "synchronous_commit = on",
                    "log_min_messages = warning",
                    ""), java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(dataDir().resolve("pg_hba.conf"), String.join("\n",
                    "# written by the Tributary local stack: loopback only, trust",
                    "local   all          all                 trust",
                    "host    all          all   127.0.0.1/32  trust",
                    "local   replication  all                 trust",
                    "host    replication  all   127.0.0.1/32  trust",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void createDatabaseIfMissing() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "''") + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new StackException("could not create database " + database + " on " + address() + ": " + e.getMessage(), e);
        }
    }

    private void pgCtl(Duration timeout, String... args) {
        Processes.Result result = pgCtlResult(timeout, args);
        if (result.exitCode() != 0) {
            throw new StackException("pg_ctl " + args[0] + " failed (exit " + result.exitCode() + "): " + result.output()
                    + "\nlast log lines:\n" + String.join("\n", Processes.tail(logFile(), 30)));
        }
    }

    private Processes.Result pgCtlResult(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(Binaries.postgresBin().resolve("pg_ctl").toString(), "-D", dataDir().toString()));
        command.addAll(List.of(args));
        return Processes.run(timeout, asPostgresCommand(command));
    }

    private void asPostgres(Duration timeout, String... command) {
        Processes.runOrFail(timeout, asPostgresCommand(List.of(command)));
    }

    private static List<String> asPostgresCommand(List<String> command) {
        List<String> full = new ArrayList<>();
        if (Processes.isRoot()) {
            full.addAll(List.of(Binaries.require("runuser", "util-linux").toString(), "-u", USER, "--"));
        }
        full.addAll(command);
        return Processes.inOwnSession(full);
    }
}
