package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The stack in secure mode ({@code ./pipeline up --secure}), started once: each test shows one thing that
 * only holds because of it (TLS only, passwords checked, least privilege per principal), most with a
 * positive control beside the refusal so the refusal is not an accident.
 */
class SecureStackIT {

    static final String CHANGE_TOPIC = "tributary.public.it_customers";
    static final String VIEW_TOPIC = "tributary.view.it_customer_view";

    @TempDir
    static Path dir;
    static LocalStack stack;
    static StackSecurity security;

    @BeforeAll
    static void start() throws Exception {
        stack = new LocalStack(dir.resolve("stack"), LocalStack.Ports.free(), StackLayout.discover(), true);
        stack.up(line -> { });
        security = stack.security().orElseThrow();
        try (Admin admin = Admin.create(kafka("capture"))) {
            admin.createTopics(List.of(new NewTopic(CHANGE_TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (Admin admin = Admin.create(kafka("processor"))) {
            admin.createTopics(List.of(new NewTopic(VIEW_TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.down(line -> { });
        }
    }

    // ---- the stack itself ----

    @Test
    void theStateFolderRemembersSecureModeAndRefusesPlaintext() throws Exception {
        assertThat(stack.secure()).isTrue();
        LocalStack again = new LocalStack(stack.stateDir(), stack.ports(), StackLayout.discover());
        assertThat(again.secure()).as("mode read from the marker").isTrue();
        assertThat(again.security().orElseThrow().kafkaPassword("capture")).isEqualTo(security.kafkaPassword("capture"));
        assertThatThrownBy(() -> new LocalStack(stack.stateDir(), stack.ports(), StackLayout.discover(), false))
                .isInstanceOf(StackException.class).hasMessageContaining("secure stack");

        Path plaintext = dir.resolve("plaintext");
        Files.createDirectories(plaintext.resolve("postgres"));
        assertThatThrownBy(() -> new LocalStack(plaintext, stack.ports(), StackLayout.discover(), true))
                .isInstanceOf(StackException.class).hasMessageContaining("plaintext stack");
    }

    @Test
    void keysAndSecretsAreReadableByTheirOwnerOnly() throws Exception {
        for (Path file : List.of(security.serverKey(), security.tlsDir().resolve("ca.key"), security.keystore(),
                security.secretsDir().resolve("kafka-admin"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString()).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(security.secretsDir()))).isEqualTo("rwx------");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(security.truststore())) {
            trust.load(in, security.truststorePassword().toCharArray());
        }
        assertThat(trust.isCertificateEntry("tributary-ca")).isTrue();
    }

    // ---- Kafka ----

    @Test
    void captureProducesToAChangeTopicOverSaslSsl() throws Exception {
        try (KafkaProducer<String, String> producer = producer("capture")) {
            var metadata = producer.send(new ProducerRecord<>(CHANGE_TOPIC, "1", "change")).get(30, TimeUnit.SECONDS);
            assertThat(metadata.offset()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void aPlaintextClientGetsNothingFromTheClientPortNorTheControllerPort() {
        for (int port : List.of(stack.kafka().port(), stack.kafka().controllerPort())) {
            Map<String, Object> config = shortTimeouts();
            config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
            try (Admin admin = Admin.create(config)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).as("port " + port)
                        .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
            }
        }
    }

    @Test
    void theControllerPortWantsTheBrokerCertificate() throws Exception {
        Map<String, Object> config = shortTimeouts();
        config.put(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, "127.0.0.1:" + stack.kafka().controllerPort());
        config.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SSL");
        config.putAll(security.kafkaTrustProperties());
        try (Admin withoutCertificate = Admin.create(config)) {
            assertThatThrownBy(() -> withoutCertificate.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
        }
        // the positive control: with the broker's certificate (a super user) the same request is answered
        config.put("ssl.keystore.type", "PKCS12");
        config.put("ssl.keystore.location", security.keystore().toString());
        config.put("ssl.keystore.password", security.keystorePassword());
        try (Admin withCertificate = Admin.create(config)) {
            assertThat(withCertificate.describeCluster().nodes().get(10, TimeUnit.SECONDS)).isNotEmpty();
        }
    }

    @Test
    void aWrongPasswordFailsSaslAuthentication() {
        Map<String, Object> config = shortTimeouts();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        config.putAll(security.kafkaClientProperties("tools"));
        config.put("sasl.jaas.config", StackSecurity.scramJaas("tools", "not-the-password"));
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void sinkCannotReadAChangeTopicButReadsAViewTopicInItsGroup() throws Exception {
        try (KafkaConsumer<String, String> consumer = consumer("sink", StackSecurity.SINK_GROUP)) {
            consumer.assign(List.of(new TopicPartition(CHANGE_TOPIC, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(CHANGE_TOPIC, 0)));
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10))).isInstanceOf(TopicAuthorizationException.class);
        }

        try (KafkaProducer<String, String> producer = producer("processor")) {
            producer.send(new ProducerRecord<>(VIEW_TOPIC, "1", "view-row")).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> consumer = consumer("sink", StackSecurity.SINK_GROUP)) {
            consumer.subscribe(List.of(VIEW_TOPIC));
            String value = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (value == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    value = record.value();
                }
            }
            assertThat(value).isEqualTo("view-row");
        }
    }

    @Test
    void processorCannotWriteAChangeTopic() {
        try (KafkaProducer<String, String> producer = producer("processor")) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(CHANGE_TOPIC, "1", "forged")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    // ---- Redis ----

    @Test
    void redisAnswersNothingOverPlainTcp() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", stack.redis().port()), 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] reply;
            try {
                reply = socket.getInputStream().readNBytes(7);
            } catch (IOException e) {
                reply = new byte[0];
            }
            assertThat(new String(reply, StandardCharsets.US_ASCII)).doesNotContain("PONG");
        }
    }

    @Test
    void redisRefusesAWrongPassword() throws Exception {
        assertThat(redis("AUTH tools not-the-password")).startsWith("-WRONGPASS");
        assertThat(redis("PING")).as("unauthenticated: the default user is off").startsWith("-NOAUTH");
    }

    @Test
    void theProcessorRedisUserWritesOnlyItsDedupeKeys() throws Exception {
        String auth = "AUTH processor " + security.redisPassword("processor");
        assertThat(redis(auth, "SET tributary:customer_view:1 forged")).startsWith("-NOPERM");
        assertThat(redis(auth, "SET tributary:processor:seen:it:1 1")).isEqualTo("+OK");
        String sink = "AUTH sink " + security.redisPassword("sink");
        assertThat(redis(sink, "SCRIPT LOAD \"return 1\"")).matches("[0-9a-f]{40}");
        assertThat(redis(sink, "SET tributary:customer_view:1 applied")).isEqualTo("+OK");
        assertThat(redis(sink, "FLUSHALL")).startsWith("-NOPERM");
    }

    // ---- PostgreSQL ----

    @Test
    void postgresRefusesAConnectionWithoutTls() {
        Properties props = new Properties();
        props.setProperty("user", PostgresServer.USER);
        props.setProperty("password", security.postgresPassword());
        props.setProperty("sslmode", "disable");
        props.setProperty("connectTimeout", "5");
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + stack.postgres().port() + "/"
                + LocalStack.DATABASE, props).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("no encryption");
    }

    @Test
    void theCaptureRoleReplicatesAndReadsButCannotCreateTables() throws Exception {
        try (Connection admin = stack.postgres().connect(); Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS it_customers (id bigint PRIMARY KEY, name text)");
            s.execute("INSERT INTO it_customers VALUES (1, 'ada') ON CONFLICT DO NOTHING");
        }
        try (Connection c = stack.postgres().connect(LocalStack.DATABASE, security.captureRole(), security.capturePassword());
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT name FROM it_customers WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("ada");
            }
            assertThatThrownBy(() -> s.execute("CREATE TABLE it_forbidden (id int)"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            s.execute("INSERT INTO public.tributary_heartbeat (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts");
        }

        Properties props = new Properties();
        PGProperty.USER.set(props, security.captureRole());
        PGProperty.PASSWORD.set(props, security.capturePassword());
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.CONNECT_TIMEOUT.set(props, 5);
        try (Connection replication = DriverManager.getConnection(stack.postgres().jdbcUrl(), props)) {
            try (Statement s = replication.createStatement(); ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
                assertThat(rs.next()).isTrue();
            }
            PGConnection pg = replication.unwrap(PGConnection.class);
            pg.getReplicationAPI().createReplicationSlot().logical().withSlotName("it_secure_slot").withOutputPlugin("pgoutput").make();
            try (Connection admin = stack.postgres().connect(); Statement s = admin.createStatement();
                    ResultSet rs = s.executeQuery("SELECT plugin FROM pg_replication_slots WHERE slot_name = 'it_secure_slot'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("pgoutput");
            } finally {
                pg.getReplicationAPI().dropReplicationSlot("it_secure_slot");
            }
        }
    }

    // ---- S3 ----

    @Test
    void s3AnswersOnlyHttpsAndChecksTheSecret() throws Exception {
        try (S3Client http = s3(URI.create("http://127.0.0.1:" + stack.s3().port()), security.s3SecretKey())) {
            assertThatThrownBy(() -> http.listObjectsV2(b -> b.bucket(LocalStack.BUCKET)))
                    .as("plain HTTP on the S3 port").isInstanceOf(SdkException.class);
        }
        try (S3Client https = s3(URI.create(stack.s3().endpoint()), security.s3SecretKey())) {
            https.putObject(b -> b.bucket(LocalStack.BUCKET).key("it/secure.txt"), RequestBody.fromString("over TLS"));
            assertThat(https.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key("it/secure.txt")).asUtf8String()).isEqualTo("over TLS");
        }
        try (S3Client wrong = s3(URI.create(stack.s3().endpoint()), "not-the-secret")) {
            assertThatThrownBy(() -> wrong.listObjectsV2(b -> b.bucket(LocalStack.BUCKET)))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    // ---- helpers ----

    static Map<String, Object> kafka(String principal) {
        Map<String, Object> config = new HashMap<>(security.kafkaClientProperties(principal));
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        return config;
    }

    static Map<String, Object> shortTimeouts() {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        return config;
    }

    static KafkaProducer<String, String> producer(String principal) {
        Map<String, Object> config = kafka(principal);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(String principal, String group) {
        Map<String, Object> config = kafka(principal);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    /** Sends inline commands over one TLS connection (server certificate verified); returns the last reply's first line. */
    static String redis(String... commands) throws Exception {
        try (SSLSocket socket = (SSLSocket) security.sslContext().getSocketFactory().createSocket()) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.connect(new InetSocketAddress("127.0.0.1", stack.redis().port()), 2000);
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String reply = null;
            for (String command : commands) {
                out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                reply = in.readLine();
                if (reply != null && reply.startsWith("$") && !reply.equals("$-1")) {
                    reply = in.readLine(); // a bulk string: its contents
                }
            }
            return reply;
        }
    }

    static S3Client s3(URI endpoint, String secret) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(security.truststore())) {
            trust.load(in, security.truststorePassword().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return S3Client.builder()
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.of(S3ProxyServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(security.s3AccessKey(), secret)))
                .httpClient(UrlConnectionHttpClient.builder().tlsTrustManagersProvider(tmf::getTrustManagers).build())
                .build();
    }
}
