package io.tributary.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The peer: Debezium Server 3.6.1 (Kafka sink) unpacked from the Maven repository, configured for the stack's
 * PostgreSQL and Kafka with its own slot and publication, run as a process with the JDK in use.
 */
final class DebeziumServer {

    static final String VERSION = "3.6.1.Final";
    static final String SLOT = "dbz_bench";
    static final String PREFIX = "dbz";

    private final Path home;
    private final Path log;
    private Process process;

    DebeziumServer(Path benchDir) {
        this.home = benchDir.resolve("debezium-server");
        this.log = benchDir.resolve("debezium-server.log");
    }

    static Path distribution() {
        return Path.of(System.getProperty("user.home"), ".m2/repository/io/debezium/debezium-server-dist", VERSION,
                "debezium-server-dist-" + VERSION + ".tar.gz");
    }

    /**
     * Puts the distribution (about 780 MB) into the local Maven repository with the project's wrapper when it is not
     * there yet: before the bench starts anything, so a missing one neither fails nor slows a run half-way.
     */
    static void fetch(Path root) throws IOException, InterruptedException {
        Path tgz = distribution();
        if (Files.exists(tgz)) {
            return;
        }
        String artifact = "io.debezium:debezium-server-dist:" + VERSION + ":tar.gz";
        BenchMain.say("fetching the peer, " + artifact + " (about 780 MB, once)");
        Process mvn = new ProcessBuilder(root.resolve("mvnw").toString(), "-q", "-B", "dependency:get", "-Dartifact=" + artifact)
                .directory(root.toFile()).inheritIO().start();
        if (mvn.waitFor() != 0 || !Files.exists(tgz)) {
            throw new IllegalStateException("could not fetch " + artifact + " into " + tgz
                    + " (./mvnw dependency:get failed); run with --no-peer to bench without Debezium Server");
        }
    }

    /** Unpacks the distribution under the bench folder, once. */
    void install() throws IOException, InterruptedException {
        if (Files.isDirectory(home.resolve("lib"))) {
            return;
        }
        Path tgz = distribution();
        if (!Files.exists(tgz)) {
            throw new IllegalStateException(tgz + " is missing: ./mvnw dependency:get -Dartifact=io.debezium:debezium-server-dist:"
                    + VERSION + ":tar.gz");
        }
        Files.createDirectories(home.getParent());
        Process tar = new ProcessBuilder("tar", "xzf", tgz.toString(), "-C", home.getParent().toString()).inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IllegalStateException("tar xzf " + tgz + " failed");
        }
    }

    /** Writes config/application.properties: tuned as in docs/BENCHMARKS.md (the same tuning PLATFORM.md measured). */
    void configure(String bootstrap, int pgPort, String database, String table, int httpPort) throws IOException {
        String props = String.join("\n",
                "debezium.sink.type=kafka",
                "debezium.sink.kafka.producer.bootstrap.servers=" + bootstrap,
                "debezium.sink.kafka.producer.key.serializer=org.apache.kafka.common.serialization.StringSerializer",
                "debezium.sink.kafka.producer.value.serializer=org.apache.kafka.common.serialization.StringSerializer",
                "debezium.sink.kafka.producer.batch.size=1048576",
                "debezium.sink.kafka.producer.linger.ms=10",
                "debezium.source.connector.class=io.debezium.connector.postgresql.PostgresConnector",
                "debezium.source.offset.storage.file.filename=" + home.resolve("data/offsets.dat").toAbsolutePath(),
                "debezium.source.offset.flush.interval.ms=1000",
                "debezium.source.database.hostname=127.0.0.1",
                "debezium.source.database.port=" + pgPort,
                "debezium.source.database.user=postgres",
                "debezium.source.database.password=postgres",
                "debezium.source.database.dbname=" + database,
                "debezium.source.topic.prefix=" + PREFIX,
                "debezium.source.table.include.list=" + table,
                "debezium.source.plugin.name=pgoutput",
                "debezium.source.slot.name=" + SLOT,
                "debezium.source.publication.name=" + SLOT,
                "debezium.source.publication.autocreate.mode=filtered",
                "debezium.source.snapshot.mode=no_data",
                "debezium.source.max.batch.size=8192",
                "debezium.source.max.queue.size=32768",
                "debezium.source.poll.interval.ms=10",
                "debezium.source.decimal.handling.mode=precise",
                "debezium.format.key=json",
                "debezium.format.value=json",
                "quarkus.http.host=127.0.0.1",
                "quarkus.http.port=" + httpPort,
                "quarkus.log.level=INFO",
                "");
        Files.createDirectories(home.resolve("data"));
        Files.writeString(home.resolve("config/application.properties"), props);
    }

    /** Drops the peer's slot (when inactive) and its offsets, so a start streams from the current WAL position. */
    void reset(Connection pg) throws SQLException, IOException {
        try (PreparedStatement ps = pg.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, SLOT);
            ps.execute();
        }
        Files.deleteIfExists(home.resolve("data/offsets.dat"));
    }

    /** Starts it with {@code heap} and waits until its slot streams. */
    void start(Connection pg, String heap, Duration timeout) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(heap);
        cmd.add("-cp");
        String runner;
        try (var files = Files.list(home)) {
            runner = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("debezium-server") && n.endsWith("runner.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no runner jar in " + home));
        }
        cmd.add(runner + ":config/lib:lib/*");
        cmd.add("io.debezium.server.Main");
        process = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Debezium Server exited with " + process.exitValue() + "; see " + log);
            }
            if (slotActive(pg)) {
                return;
            }
            Thread.sleep(200);
        }
        stop();
        throw new IllegalStateException("Debezium Server did not open its slot within " + timeout.toSeconds() + " s; see " + log);
    }

    private static boolean slotActive(Connection pg) throws SQLException {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    OptionalLong pid() {
        Process p = process;
        return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
    }

    void stop() throws InterruptedException {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    Path log() {
        return log;
    }
}
