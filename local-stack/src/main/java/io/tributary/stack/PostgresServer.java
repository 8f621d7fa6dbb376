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
 * <p>
 * Secure mode ({@link StackSecurity} given): {@code ssl=on} with the stack's server certificate (a copy under
 * {@code <dir>/tls/}, owned by the server's OS user, key 0600, as PostgreSQL requires); pg_hba accepts only
 * TLS connections with scram-sha-256 passwords (normal and replication) and rejects every other TCP
 * connection; the Unix socket wants a password too. The superuser has a random password, and
 * {@code postgres/least-privilege.sql} (the role {@link StackSecurity#CAPTURE_ROLE}, its grants, the
 * publication, the heartbeat and signal tables) runs at every start.
 */
public final class PostgresServer implements ManagedService {

    public static final String USER = "postgres";
    /** The least-privilege recipe (a classpath resource), with the psql variable {@code :'capture_password'}. */
    public static final String LEAST_PRIVILEGE_SQL = "postgres/least-privilege.sql";

    private final Path dir;
    private final int port;
    private final String database;
    private final StackSecurity security;

    public PostgresServer(Path dir, int port, String database) {
        this(dir, port, database, null);
    }

    /** PostgreSQL of a secure stack when {@code security} is not null. */
    public PostgresServer(Path dir, int port, String database, StackSecurity security) {
        this.dir = dir.toAbsolutePath();
        this.port = port;
        this.database = database;
        this.security = security;
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

    /** The JDBC URL; in secure mode with {@code sslmode=verify-full} and the local CA as {@code sslrootcert}. */
    public String jdbcUrl(String db) {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
        return security == null ? url : url + "?sslmode=verify-full&sslrootcert=" + security.caCert();
    }

    /**
     * A connection to the stack's database as the superuser (trust authentication on loopback; in secure
     * mode TLS verified against the local CA, and the superuser's password).
     */
    public Connection connect() throws SQLException {
        return connect(database);
    }

    public Connection connect(String db) throws SQLException {
        return connect(db, USER, security == null ? null : security.postgresPassword());
    }

    /** A connection as any role (with TLS settings in secure mode); {@code password} may be null. */
    public Connection connect(String db, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
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
            if (security != null) {
                installTls();
            }
            pgCtl(Duration.ofSeconds(60), "start", "-w", "-t", "50", "-l", logFile().toString());
        }
        if (!Processes.waitFor(Duration.ofSeconds(30), this::isHealthy)) {
            throw new StackException("postgres does not answer at " + address() + "; last log lines:\n"
                    + String.join("\n", Processes.tail(logFile(), 30)));
        }
        createDatabaseIfMissing();
        if (security != null) {
            applyLeastPrivilege();
        }
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
            Path pwfile = dir.resolve(".pwfile");
            if (security != null) {
                StackSecurity.writePrivate(pwfile, security.postgresPassword() + "\n");
            }
            if (Processes.isRoot()) {
                Processes.chownTree(dir, USER);
                Processes.makeTraversable(dir.getParent());
            }
            if (security == null) {
                asPostgres(Duration.ofSeconds(120), Binaries.postgresBin().resolve("initdb").toString(),
                        "-D", dataDir().toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            } else {
                try {
                    asPostgres(Duration.ofSeconds(120), Binaries.postgresBin().resolve("initdb").toString(),
                            "-D", dataDir().toString(), "-U", USER, "-A", "scram-sha-256", "--pwfile=" + pwfile,
                            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
                } finally {
                    Files.deleteIfExists(pwfile);
                }
            }
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
            if (security != null) {
                writeSecureConfig();
                return;
            }
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

    private Path tlsDir() {
        return dir.resolve("tls");
    }

    private void writeSecureConfig() throws IOException {
        Files.writeString(dataDir().resolve("postgresql.conf"), String.join("\n",
                "# secure mode: TLS with the local CA's server certificate, passwords hashed with SCRAM",
                "ssl = on",
                "ssl_cert_file = '" + tlsDir().resolve("server.crt") + "'",
                "ssl_key_file = '" + tlsDir().resolve("server.key") + "'",
                "ssl_ca_file = '" + tlsDir().resolve("ca.crt") + "'",
                "ssl_min_protocol_version = 'TLSv1.2'",
                "password_encryption = 'scram-sha-256'",
                ""), java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dataDir().resolve("pg_hba.conf"), String.join("\n",
                "# written by the Tributary local stack, secure mode: TLS and scram-sha-256 only, loopback only",
                "local     all          all                 scram-sha-256",
                "local     replication  all                 scram-sha-256",
                "hostssl   all          all   127.0.0.1/32  scram-sha-256",
                "hostssl   replication  all   127.0.0.1/32  scram-sha-256",
                "# everything else over TCP, in particular any connection without TLS, is refused",
                "host      all          all   0.0.0.0/0     reject",
                "host      replication  all   0.0.0.0/0     reject",
                "host      all          all   ::/0          reject",
                "host      replication  all   ::/0          reject",
                ""));
    }

    /**
     * Copies the stack's certificate, key and CA to {@code <dir>/tls/}, owned by the server's OS user with the
     * key 0600 (PostgreSQL refuses a key that others or its group can read, or that it does not own).
     */
    private void installTls() {
        try {
            Path tls = tlsDir();
            Files.createDirectories(tls);
            Files.copy(security.serverCert(), tls.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(security.caCert(), tls.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            StackSecurity.writePrivate(tls.resolve("server.key"), Files.readString(security.serverKey()));
            if (Processes.isRoot()) {
                Processes.chownTree(tls, USER);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@link #LEAST_PRIVILEGE_SQL} in the stack's database as the superuser; idempotent. */
    private void applyLeastPrivilege() {
        String sql;
        try (var in = PostgresServer.class.getClassLoader().getResourceAsStream(LEAST_PRIVILEGE_SQL)) {
            if (in == null) {
                throw new StackException(LEAST_PRIVILEGE_SQL + " is not on the classpath");
            }
            sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the psql variable, as psql would substitute it: a quoted literal
        sql = sql.replace(":'capture_password'", "'" + security.capturePassword().replace("'", "''") + "'");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new StackException("could not apply " + LEAST_PRIVILEGE_SQL + " on " + address() + ": " + e.getMessage(), e);
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
