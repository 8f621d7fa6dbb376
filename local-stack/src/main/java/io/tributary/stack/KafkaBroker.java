package io.tributary.stack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A single-node Kafka (KRaft: broker and controller in one process), formatted on first start. Its
 * classpath is the one local-stack-runtime's build resolved (broker.classpath).
 */
public final class KafkaBroker extends ProcessService {

    private final int port;
    private final int controllerPort;
    private final StackLayout layout;

    public KafkaBroker(Path dir, int port, int controllerPort, StackLayout layout) {
        super(dir, Duration.ofSeconds(60));
        this.port = port;
        this.controllerPort = controllerPort;
        this.layout = layout;
    }

    @Override
    public String name() {
        return "kafka";
    }

    public int port() {
        return port;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public String address() {
        return bootstrapServers();
    }

    private Path configFile() {
        return dir.resolve("server.properties");
    }

    private Path logDir() {
        return dir.resolve("data");
    }

    @Override
    protected void prepare() throws IOException {
        Files.writeString(configFile(), String.join("\n",
                "# written by the Tributary local stack",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + logDir(),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=5",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "log.retention.hours=168",
                ""));
        Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
                "status = warn",
                "appender.out.type = Console",
                "appender.out.name = out",
                "appender.out.layout.type = PatternLayout",
                "appender.out.layout.pattern = %d{ISO8601} %-5p [%c{1}] %m%n",
                "rootLogger.level = warn",
                "rootLogger.appenderRef.out.ref = out",
                "logger.server.name = kafka.server.KafkaRaftServer",
                "logger.server.level = info",
                ""));
        if (!Files.exists(logDir().resolve("meta.properties"))) {
            Processes.runOrFail(Duration.ofSeconds(60), List.of(java(), "-Xmx256m", "-cp", layout.brokerClasspath(),
                    "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                    "kafka.tools.StorageTool", "format", "-t", newClusterId(), "-c", configFile().toString()));
        }
    }

    @Override
    protected List<Integer> listenPorts() {
        return List.of(port, controllerPort);
    }

    @Override
    protected List<String> command() {
        return List.of(java(), "-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-Dkafka.logs.dir=" + dir,
                "-cp", layout.brokerClasspath(),
                "kafka.Kafka", configFile().toString());
    }

    @Override
    public boolean isHealthy() {
        if (!Processes.portOpen("127.0.0.1", port)) {
            return false;
        }
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200))) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** A Kafka cluster id (16 random bytes, URL-safe Base64); never one starting with '-', which StorageTool would read as an option. */
    static String newClusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }
}
