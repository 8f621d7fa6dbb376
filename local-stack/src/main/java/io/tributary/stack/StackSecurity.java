package io.tributary.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The secrets and TLS material of a stack started with {@code ./pipeline up --secure}, and how clients use
 * them. Everything lives under the (git-ignored) state folder and is generated at the first secure
 * {@code up}, then reused:
 * <ul>
 * <li>{@code <state>/tls/}: a local CA ({@code ca.crt}, {@code ca.key}), one server certificate for
 * 127.0.0.1 and localhost ({@code server.crt}, {@code server.key}; also serverAuth+clientAuth, so the Kafka
 * broker presents it to its own controller listener), the server's PKCS12 keystore ({@code server.p12}, for
 * Kafka and S3Proxy) and a PKCS12 truststore holding only the CA ({@code truststore.p12}, for Java clients).
 * Keys and keystores are 0600. Generated with the {@code openssl} command line (EC P-256 keys).</li>
 * <li>{@code <state>/secrets/}: one random password per file (0600, folder 0700): Kafka SCRAM users, Redis
 * ACL users, the PostgreSQL superuser and capture role, the S3 secret key, the keystore and truststore
 * passwords.</li>
 * </ul>
 * The schema registry stand-in stays on plain HTTP (see {@link RegistryServer}).
 */
public final class StackSecurity {

    /** The SASL mechanism of the Kafka client listener. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    /** The Kafka super user: the broker's own inter-broker login, ACL administration, health checks. */
    public static final String KAFKA_ADMIN = "admin";
    /** Every Kafka SCRAM user the secure stack creates. */
    public static final List<String> KAFKA_PRINCIPALS = List.of(KAFKA_ADMIN, "capture", "processor", "sink", "tools");
    /**
     * The principal of the broker's TLS client certificate on the controller listener (mutual TLS; the
     * default SSL principal builder uses the certificate's subject). A super user, like {@link #KAFKA_ADMIN}.
     */
    public static final String BROKER_CERTIFICATE_PRINCIPAL = "User:CN=localhost";
    /** Every Redis ACL user; {@code default} is disabled. */
    public static final List<String> REDIS_USERS = List.of("processor", "sink", "tools");
    /** The least-privilege PostgreSQL role of the capture-service (see postgres/least-privilege.sql). */
    public static final String CAPTURE_ROLE = "tributary_capture";
    /** The S3 access key; its secret is random in secure mode. */
    public static final String S3_ACCESS_KEY = "tributary";

    /** Kafka change topics of the demo: {@code tributary.<schema>.<table>}, schema public only. */
    public static final String CHANGE_TOPIC_PREFIX = "tributary.public.";
    /** The processor's output topics: {@code tributary.view.<view>}. */
    public static final String VIEW_TOPIC_PREFIX = "tributary.view.";
    /** The capture-service's Debezium offsets (CaptureEngine: {@code <topic-prefix>.capture.offsets}). */
    public static final String CAPTURE_OFFSETS_TOPIC = "tributary.capture.offsets";
    /** The processor's dead-letter topic ({@code processor.dead-letter-topic}). */
    public static final String DEAD_LETTER_TOPIC = "tributary.processor.dlq";
    /** Consumer group of the processor's change channel. */
    public static final String PROCESSOR_GROUP = "tributary-processor";
    /** Consumer group of the sink's view channel. */
    public static final String SINK_GROUP = "sink-service";

    /**
     * One ALLOW entry of the secure stack's Kafka ACLs. {@code principal} is the SCRAM user name (without
     * {@code User:}); a LITERAL {@code *} is Kafka's wildcard. READ, WRITE, DELETE and ALTER imply DESCRIBE.
     */
    public record KafkaAcl(String principal, ResourceType resourceType, String resourceName, PatternType patternType,
            AclOperation operation) {

        public AclBinding binding() {
            return new AclBinding(new ResourcePattern(resourceType, resourceName, patternType),
                    new AccessControlEntry("User:" + principal, "*", operation, AclPermissionType.ALLOW));
        }

        @Override
        public String toString() {
            return String.format("%-9s %-6s %-8s %-28s %s", principal, resourceType, patternType, resourceName, operation);
        }
    }

    /**
     * THE table of Kafka ACLs the secure stack creates at every {@code up} (idempotent). Anything not listed
     * is denied ({@code allow.everyone.if.no.acl.found=false}); {@code admin} and the broker's certificate
     * principal are super users and need no entry.
     * <ul>
     * <li>capture writes and creates the change topics (prefix {@code tributary.public.}, not
     * {@code tributary.}: that would include the view topics and the dead-letter topic) and owns its offsets
     * topic (read back at start, compacted: DESCRIBE_CONFIGS). No group: Debezium's offset store assigns
     * partitions. Its idempotent producer needs no IDEMPOTENT_WRITE since Kafka 3.0 (WRITE on a topic
     * suffices).</li>
     * <li>processor reads the change topics (its group, and the reference tables by assignment), creates and
     * writes the view topics (and describes their configs to check compaction), writes the dead-letter topic
     * (auto-created on first send: CREATE).</li>
     * <li>sink reads the view topics in its group.</li>
     * <li>tools (reconcile, replay, bench) read every topic and manage every group: READ/DESCRIBE on all
     * topics and groups, DELETE on groups (replay moves offsets: READ on the group and the topic).</li>
     * </ul>
     */
    public static final List<KafkaAcl> ACLS = List.of(
            new KafkaAcl("capture", ResourceType.TOPIC, CHANGE_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.CREATE),
            new KafkaAcl("capture", ResourceType.TOPIC, CHANGE_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.WRITE),
            new KafkaAcl("capture", ResourceType.TOPIC, CHANGE_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.DESCRIBE),
            new KafkaAcl("capture", ResourceType.TOPIC, CAPTURE_OFFSETS_TOPIC, PatternType.LITERAL, AclOperation.CREATE),
            new KafkaAcl("capture", ResourceType.TOPIC, CAPTURE_OFFSETS_TOPIC, PatternType.LITERAL, AclOperation.READ),
            new KafkaAcl("capture", ResourceType.TOPIC, CAPTURE_OFFSETS_TOPIC, PatternType.LITERAL, AclOperation.WRITE),
            new KafkaAcl("capture", ResourceType.TOPIC, CAPTURE_OFFSETS_TOPIC, PatternType.LITERAL, AclOperation.DESCRIBE),
            new KafkaAcl("capture", ResourceType.TOPIC, CAPTURE_OFFSETS_TOPIC, PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS),

            new KafkaAcl("processor", ResourceType.TOPIC, CHANGE_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.READ),
            new KafkaAcl("processor", ResourceType.TOPIC, CHANGE_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.DESCRIBE),
            new KafkaAcl("processor", ResourceType.GROUP, PROCESSOR_GROUP, PatternType.LITERAL, AclOperation.READ),
            new KafkaAcl("processor", ResourceType.TOPIC, VIEW_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.CREATE),
            new KafkaAcl("processor", ResourceType.TOPIC, VIEW_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.WRITE),
            new KafkaAcl("processor", ResourceType.TOPIC, VIEW_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.DESCRIBE),
            new KafkaAcl("processor", ResourceType.TOPIC, VIEW_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.DESCRIBE_CONFIGS),
            new KafkaAcl("processor", ResourceType.TOPIC, DEAD_LETTER_TOPIC, PatternType.LITERAL, AclOperation.CREATE),
            new KafkaAcl("processor", ResourceType.TOPIC, DEAD_LETTER_TOPIC, PatternType.LITERAL, AclOperation.WRITE),
            new KafkaAcl("processor", ResourceType.TOPIC, DEAD_LETTER_TOPIC, PatternType.LITERAL, AclOperation.DESCRIBE),

            new KafkaAcl("sink", ResourceType.TOPIC, VIEW_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.READ),
            new KafkaAcl("sink", ResourceType.TOPIC, VIEW_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.DESCRIBE),
            new KafkaAcl("sink", ResourceType.GROUP, SINK_GROUP, PatternType.LITERAL, AclOperation.READ),

            new KafkaAcl("tools", ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.READ),
            new KafkaAcl("tools", ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.DESCRIBE),
            new KafkaAcl("tools", ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS),
            new KafkaAcl("tools", ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.READ),
            new KafkaAcl("tools", ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.DESCRIBE),
            new KafkaAcl("tools", ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.DELETE),
            new KafkaAcl("tools", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.DESCRIBE));

    /**
     * THE Redis ACL of the secure stack, one {@code user} line per user without its password (added as a
     * SHA-256 hash when the ACL file is written). {@code default} is off, so an unauthenticated connection
     * can run nothing. Services get every command but the admin and dangerous ones (no KEYS, FLUSHALL,
     * CONFIG, INFO, DEBUG...); EVAL/EVALSHA/SCRIPT LOAD (@scripting), PING, HELLO, AUTH, SELECT stay.
     * <ul>
     * <li>processor: its dedupe keys only ({@code tributary:processor:seen:<topic>:<event_id>}).</li>
     * <li>sink: every {@code tributary:*} key (latest state {@code tributary:<view>:<pk>}, tombstones
     * {@code tributary:~deleted:*}, lake dedupe {@code tributary:lake-seen:*}).</li>
     * <li>tools: read-only on every key (reconcile: SCAN, TYPE, HGETALL...).</li>
     * </ul>
     */
    public static final Map<String, String> REDIS_ACL = orderedMap(
            "default", "off resetpass resetkeys resetchannels -@all",
            "processor", "on resetkeys ~tributary:processor:* resetchannels +@all -@admin -@dangerous",
            "sink", "on resetkeys ~tributary:* resetchannels +@all -@admin -@dangerous",
            "tools", "on resetkeys ~* resetchannels -@all +@read +@connection -@admin -@dangerous");

    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

    private final Path stateDir;
    private final LocalStack.Ports ports;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private volatile SSLContext sslContext;

    StackSecurity(Path stateDir, LocalStack.Ports ports) {
        this.stateDir = stateDir.toAbsolutePath();
        this.ports = ports;
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }

    // ---- where things are ----

    public Path tlsDir() {
        return stateDir.resolve("tls");
    }

    public Path secretsDir() {
        return stateDir.resolve("secrets");
    }

    /** The local CA's certificate (PEM): what every client trusts. */
    public Path caCert() {
        return tlsDir().resolve("ca.crt");
    }

    /** The servers' certificate (PEM; SAN IP:127.0.0.1, DNS:localhost), signed by {@link #caCert()}. */
    public Path serverCert() {
        return tlsDir().resolve("server.crt");
    }

    /** The servers' private key (PEM, PKCS#8, 0600). */
    public Path serverKey() {
        return tlsDir().resolve("server.key");
    }

    /** The servers' PKCS12 keystore (key, certificate, CA), for Kafka and S3Proxy. */
    public Path keystore() {
        return tlsDir().resolve("server.p12");
    }

    public String keystorePassword() {
        return secret("keystore");
    }

    /** A PKCS12 truststore holding only the local CA, for Java clients. */
    public Path truststore() {
        return tlsDir().resolve("truststore.p12");
    }

    public String truststorePassword() {
        return secret("truststore");
    }

    // ---- credentials ----

    /** The SCRAM password of a Kafka user: one of {@link #KAFKA_PRINCIPALS}. */
    public String kafkaPassword(String principal) {
        requireOneOf(principal, KAFKA_PRINCIPALS, "Kafka user");
        return secret("kafka-" + principal);
    }

    /**
     * Kafka client settings for a user over the SASL_SSL listener: security.protocol, sasl.mechanism,
     * sasl.jaas.config, the truststore, and hostname verification (the certificate's SAN covers 127.0.0.1).
     */
    public Map<String, String> kafkaClientProperties(String principal) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        props.put(SaslConfigs.SASL_MECHANISM, SCRAM_MECHANISM);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, scramJaas(principal, kafkaPassword(principal)));
        props.putAll(kafkaTrustProperties());
        return props;
    }

    /** The TLS part of {@link #kafkaClientProperties(String)}, without any login. */
    public Map<String, String> kafkaTrustProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore().toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, truststorePassword());
        props.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "https");
        return props;
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** The password of a Redis ACL user: one of {@link #REDIS_USERS}. */
    public String redisPassword(String user) {
        requireOneOf(user, REDIS_USERS, "Redis user");
        return secret("redis-" + user);
    }

    /** {@code rediss://user:password@127.0.0.1:port} (passwords are alphanumeric: nothing to escape). */
    public String redisUri(String user) {
        return "rediss://" + user + ":" + redisPassword(user) + "@127.0.0.1:" + ports.redis();
    }

    /** The password of the PostgreSQL superuser {@value PostgresServer#USER} (scram-sha-256). */
    public String postgresPassword() {
        return secret("postgres-" + PostgresServer.USER);
    }

    public String captureRole() {
        return CAPTURE_ROLE;
    }

    /** The password of {@link #CAPTURE_ROLE}. */
    public String capturePassword() {
        return secret("postgres-" + CAPTURE_ROLE);
    }

    public String s3AccessKey() {
        return S3_ACCESS_KEY;
    }

    public String s3SecretKey() {
        return secret("s3-" + S3_ACCESS_KEY);
    }

    /** An SSL context that trusts the local CA (and nothing else). */
    public SSLContext sslContext() {
        SSLContext context = sslContext;
        if (context == null) {
            try {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("tributary-ca", readCertificate(caCert()));
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                context = SSLContext.getInstance("TLS");
                context.init(null, tmf.getTrustManagers(), new SecureRandom());
                sslContext = context;
            } catch (GeneralSecurityException | IOException e) {
                throw new StackException("cannot load the local CA " + caCert() + ": " + e.getMessage(), e);
            }
        }
        return context;
    }

    // ---- generation (first secure `up`) and loading ----

    /** Whether the material of a secure stack exists (so a down/status can use it). */
    boolean exists() {
        return Files.exists(caCert()) && Files.isDirectory(secretsDir());
    }

    /** Creates whatever is missing: passwords, CA, server certificate, keystore, truststore. Idempotent. */
    synchronized void ensure() {
        try {
            Files.createDirectories(stateDir);
            createPrivateDir(secretsDir());
            createPrivateDir(tlsDir());
            for (String user : KAFKA_PRINCIPALS) {
                secret("kafka-" + user);
            }
            for (String user : REDIS_USERS) {
                secret("redis-" + user);
            }
            postgresPassword();
            capturePassword();
            s3SecretKey();
            keystorePassword();
            truststorePassword();
            ensureCertificates();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void ensureCertificates() throws IOException {
        Path openssl = Binaries.require("openssl", "openssl");
        Duration timeout = Duration.ofSeconds(60);
        Path caKey = tlsDir().resolve("ca.key");
        if (!Files.exists(caKey) || !Files.exists(caCert())) {
            generateKey(openssl, caKey);
            Processes.runOrFail(timeout, List.of(openssl.toString(), "req", "-x509", "-new", "-key", caKey.toString(),
                    "-sha256", "-days", "3650", "-subj", "/O=Tributary/CN=Tributary local stack CA",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    "-out", caCert().toString()));
            Files.deleteIfExists(serverCert());
        }
        if (!Files.exists(serverKey()) || !Files.exists(serverCert())) {
            generateKey(openssl, serverKey());
            Path csr = tlsDir().resolve("server.csr");
            Path extensions = tlsDir().resolve("server.ext");
            Files.writeString(extensions, String.join("\n",
                    "basicConstraints=critical,CA:FALSE",
                    "keyUsage=critical,digitalSignature,keyAgreement",
                    "extendedKeyUsage=serverAuth,clientAuth",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    ""));
            Processes.runOrFail(timeout, List.of(openssl.toString(), "req", "-new", "-key", serverKey().toString(),
                    "-subj", "/CN=localhost", "-out", csr.toString()));
            byte[] serial = new byte[16];
            new SecureRandom().nextBytes(serial);
            serial[0] &= 0x7f;
            Processes.runOrFail(timeout, List.of(openssl.toString(), "x509", "-req", "-in", csr.toString(),
                    "-CA", caCert().toString(), "-CAkey", caKey.toString(), "-set_serial", "0x" + HexFormat.of().formatHex(serial),
                    "-days", "825", "-sha256", "-extfile", extensions.toString(), "-out", serverCert().toString()));
            Files.deleteIfExists(csr);
            Files.deleteIfExists(extensions);
            Files.deleteIfExists(keystore());
        }
        if (!Files.exists(keystore())) {
            writeKeystore();
        }
        if (!Files.exists(truststore())) {
            writeTruststore();
        }
    }

    private static void generateKey(Path openssl, Path key) throws IOException {
        Files.deleteIfExists(key);
        createPrivateFile(key);
        // openssl writes into the existing 0600 file (it keeps the mode of a file it truncates)
        Processes.runOrFail(Duration.ofSeconds(60), List.of(openssl.toString(), "genpkey", "-algorithm", "EC",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString()));
        Files.setPosixFilePermissions(key, OWNER_RW);
    }

    private void writeKeystore() throws IOException {
        try {
            String pem = Files.readString(serverKey());
            String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = keystorePassword().toCharArray();
            store.setKeyEntry("server", key, password, new Certificate[] { readCertificate(serverCert()), readCertificate(caCert()) });
            Path tmp = tlsDir().resolve("server.p12.tmp");
            Files.deleteIfExists(tmp);
            createPrivateFile(tmp);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                store.store(out, password);
            }
            Files.move(tmp, keystore(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (GeneralSecurityException e) {
            throw new StackException("cannot write the keystore " + keystore() + ": " + e.getMessage(), e);
        }
    }

    private void writeTruststore() throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("tributary-ca", readCertificate(caCert()));
            Path tmp = tlsDir().resolve("truststore.p12.tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                store.store(out, truststorePassword().toCharArray());
            }
            Files.move(tmp, truststore(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (GeneralSecurityException e) {
            throw new StackException("cannot write the truststore " + truststore() + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The secret in {@code secrets/<name>}, created (random, 0600) when missing. */
    private String secret(String name) {
        return secrets.computeIfAbsent(name, n -> {
            Path file = secretsDir().resolve(n);
            try {
                if (!Files.exists(file)) {
                    if (!Files.isDirectory(secretsDir())) {
                        throw new StackException("no secrets under " + secretsDir() + ": the secure stack was never started "
                                + "here (./pipeline up --secure)");
                    }
                    Path tmp = secretsDir().resolve("." + n + ".tmp");
                    Files.deleteIfExists(tmp);
                    createPrivateFile(tmp);
                    Files.writeString(tmp, randomPassword() + "\n");
                    try {
                        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                    } catch (FileAlreadyExistsException e) {
                        Files.deleteIfExists(tmp);
                    }
                }
                return Files.readString(file).strip();
            } catch (IOException e) {
                throw new StackException("cannot read or write the secret " + file + ": " + e.getMessage(), e);
            }
        });
    }

    /** 32 characters from an unambiguous alphanumeric alphabet (~185 bits): safe in URIs, JAAS and SQL. */
    static String randomPassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            sb.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        return sb.toString();
    }

    /** The Redis ACL file's contents: {@link #REDIS_ACL} with each user's password as {@code #<sha256>}. */
    String redisAclFile() {
        List<String> lines = new ArrayList<>();
        REDIS_ACL.forEach((user, rules) -> lines.add("user " + user + " " + rules
                + (REDIS_USERS.contains(user) ? " #" + sha256Hex(redisPassword(user)) : "")));
        return String.join("\n", lines) + "\n";
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a file readable by its owner only (0600), replacing it. */
    static void writePrivate(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            createPrivateFile(tmp);
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createPrivateFile(Path file) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_RW));
        Files.setPosixFilePermissions(file, OWNER_RW); // the umask may have removed bits, never added: make it exact
    }

    private static void createPrivateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
        }
        Files.setPosixFilePermissions(dir, OWNER_RWX);
    }

    private static void requireOneOf(String name, List<String> allowed, String what) {
        if (!allowed.contains(name)) {
            throw new IllegalArgumentException("no " + what + " '" + name + "'; one of " + allowed);
        }
    }
}
