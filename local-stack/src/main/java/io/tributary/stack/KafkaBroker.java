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
import org.apache.kafka.common.acl.AclBinding;

/**
 * A single-node Kafka (KRaft: broker and controller in one process), formatted on first start. Its
 * classpath is the one local-stack-runtime's build resolved (broker.classpath).
 * <p>
 * Secure mode ({@link StackSecurity} given): the client port is a SASL_SSL listener (SCRAM-SHA-512; also the
 * inter-broker listener, as {@code admin}); the controller port is SSL with required client certificates
 * (mutual TLS: SCRAM cannot authenticate the controller listener, whose credentials live in the metadata the
 * controller serves; the broker presents the stack's server certificate, principal
 * {@link StackSecurity#BROKER_CERTIFICATE_PRINCIPAL}). The SCRAM users are written at format time
 * ({@code --add-scram}); {@code StandardAuthorizer} with no access when no ACL matches, and the ACLs of
 * {@link StackSecurity#ACLS} created at every start.
 */
public final class KafkaBroker extends ProcessService {

    private final int port;
    private final int controllerPort;
    private final StackLayout layout;
    private final StackSecurity security;

    public KafkaBroker(Path dir, int port, int controllerPort, StackLayout layout) {
        this(dir, port, controllerPort, layout, null);
    }

    /** A broker of a secure stack when {@code security} is not null. */
    public KafkaBroker(Path dir, int port, int controllerPort, StackLayout layout, StackSecurity security) {
        super(dir, Duration.ofSeconds(60));
        this.port = port;
        this.controllerPort = controllerPort;
        this.layout = layout;
        this.security = security;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /**
     * Settings an admin client needs besides the bootstrap servers: nothing in plaintext mode, the
     * {@code admin} user's SASL_SSL settings in secure mode.
     */
    public Map<String, Object> adminClientProperties() {
        return security == null ? Map.of() : Map.copyOf(security.kafkaClientProperties(StackSecurity.KAFKA_ADMIN));
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
        String config = String.join("\n",
                "# written by the Tributary local stack",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                security == null ? plaintextListeners() : secureListeners(),
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
                "");
        if (security == null) {
            Files.writeString(configFile(), config);
        } else {
            StackSecurity.writePrivate(configFile(), config); // holds the admin password and the keystore's
        }
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
            List<String> format = new java.util.ArrayList<>(List.of(java(), "-Xmx256m", "-cp", layout.brokerClasspath(),
                    "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                    "kafka.tools.StorageTool", "format", "-t", newClusterId(), "-c", configFile().toString()));
            if (security != null) {
                // KIP-900: SCRAM users bootstrapped into the metadata log, so the inter-broker login works at first start
                for (String user : StackSecurity.KAFKA_PRINCIPALS) {
                    format.add("--add-scram");
                    format.add(StackSecurity.SCRAM_MECHANISM + "=[name=" + user + ",password=" + security.kafkaPassword(user) + "]");
                }
            }
            Processes.runOrFail(Duration.ofSeconds(60), format);
        }
    }

    private String plaintextListeners() {
        return String.join("\n",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    }

    private String secureListeners() {
        return String.join("\n",
                "listeners=CLIENT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=CLIENT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=CLIENT",
                "listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL",
                "sasl.enabled.mechanisms=" + StackSecurity.SCRAM_MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + StackSecurity.SCRAM_MECHANISM,
                "listener.name.client." + StackSecurity.SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config="
                        + StackSecurity.scramJaas(StackSecurity.KAFKA_ADMIN, security.kafkaPassword(StackSecurity.KAFKA_ADMIN)),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + security.keystore(),
                "ssl.keystore.password=" + security.keystorePassword(),
                "ssl.key.password=" + security.keystorePassword(),
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + security.truststore(),
                "ssl.truststore.password=" + security.truststorePassword(),
                "ssl.endpoint.identification.algorithm=https",
                "ssl.client.auth=none",
                "# the controller listener: TLS with a required client certificate signed by the local CA",
                "listener.name.controller.ssl.client.auth=required",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:" + StackSecurity.KAFKA_ADMIN + ";" + StackSecurity.BROKER_CERTIFICATE_PRINCIPAL,
                "allow.everyone.if.no.acl.found=false");
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
        try (Admin admin = Admin.create(healthCheckConfig())) {
            return !admin.describeCluster().nodes().get(security == null ? 3 : 10, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private Map<String, Object> healthCheckConfig() {
        Map<String, Object> config = new java.util.HashMap<>(adminClientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        // secure mode: a cold JVM's first TLS handshake and SCRAM exchange (4096 PBKDF2 rounds) can take seconds
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, security == null ? 2000 : 8000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, security == null ? 3000 : 10000);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        return config;
    }

    /** Starts the broker (see {@link ProcessService#start()}); in secure mode then creates the ACLs of {@link StackSecurity#ACLS}. */
    @Override
    public synchronized void start() {
        super.start();
        if (security != null) {
            createAcls();
        }
    }

    /** Creates every ACL of {@link StackSecurity#ACLS} as {@code admin}; creating an existing one is a no-op. */
    private void createAcls() {
        Map<String, Object> config = new java.util.HashMap<>(adminClientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        List<AclBinding> bindings = StackSecurity.ACLS.stream().map(StackSecurity.KafkaAcl::binding).toList();
        try (Admin admin = Admin.create(config)) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new StackException("kafka: could not create the ACLs as " + StackSecurity.KAFKA_ADMIN + ": " + e.getMessage(), e);
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
