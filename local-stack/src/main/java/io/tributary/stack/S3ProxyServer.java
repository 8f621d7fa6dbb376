package io.tributary.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An S3 API (S3Proxy on the filesystem-nio2 provider) with signed requests (AWS v2/v4). A bucket is a
 * folder of the provider's base directory, so buckets are created before the server starts.
 * <p>
 * Secure mode ({@link StackSecurity} given): HTTPS only ({@code s3proxy.secure-endpoint} with the stack's
 * keystore, no plain {@code s3proxy.endpoint}), access key {@link StackSecurity#S3_ACCESS_KEY} with a random
 * secret ({@link StackSecurity#s3SecretKey()}); the properties file is 0600.
 */
public final class S3ProxyServer extends ProcessService {

    /** The access key of the plaintext stack (secure mode: {@link StackSecurity#s3AccessKey()}). */
    public static final String ACCESS_KEY = "tributary";
    /** The secret key of the plaintext stack (secure mode: {@link StackSecurity#s3SecretKey()}). */
    public static final String SECRET_KEY = "tributary-secret";
    public static final String REGION = "us-east-1";

    private final int port;
    private final List<String> buckets;
    private final StackLayout layout;
    private final StackSecurity security;

    public S3ProxyServer(Path dir, int port, List<String> buckets, StackLayout layout) {
        this(dir, port, buckets, layout, null);
    }

    /** S3Proxy of a secure stack when {@code security} is not null. */
    public S3ProxyServer(Path dir, int port, List<String> buckets, StackLayout layout, StackSecurity security) {
        super(dir, Duration.ofSeconds(60));
        this.port = port;
        this.buckets = List.copyOf(buckets);
        this.layout = layout;
        this.security = security;
    }

    @Override
    public String name() {
        return "s3";
    }

    public int port() {
        return port;
    }

    /** The endpoint S3 clients use, with path-style addressing (https:// in secure mode). */
    public String endpoint() {
        return (security == null ? "http://" : "https://") + "127.0.0.1:" + port;
    }

    /** The access key clients sign with. */
    public String accessKey() {
        return security == null ? ACCESS_KEY : security.s3AccessKey();
    }

    /** The secret key clients sign with. */
    public String secretKey() {
        return security == null ? SECRET_KEY : security.s3SecretKey();
    }

    @Override
    public String address() {
        return endpoint() + " buckets " + buckets;
    }

    public List<String> buckets() {
        return buckets;
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    protected void prepare() throws IOException {
        for (String bucket : buckets) {
            Files.createDirectories(dataDir().resolve(bucket));
        }
        if (security == null) {
            Files.writeString(dir.resolve("s3proxy.properties"), String.join("\n",
                    "# written by the Tributary local stack",
                    "s3proxy.endpoint=" + endpoint(),
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem-nio2",
                    "jclouds.identity=" + ACCESS_KEY,
                    "jclouds.credential=" + SECRET_KEY,
                    "jclouds.filesystem.basedir=" + dataDir(),
                    ""));
            return;
        }
        StackSecurity.writePrivate(dir.resolve("s3proxy.properties"), String.join("\n",
                "# written by the Tributary local stack (secure mode: HTTPS only)",
                "s3proxy.secure-endpoint=" + endpoint(),
                "s3proxy.keystore-path=" + security.keystore(),
                "s3proxy.keystore-password=" + security.keystorePassword(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + security.s3AccessKey(),
                "s3proxy.credential=" + security.s3SecretKey(),
                "jclouds.provider=filesystem-nio2",
                "jclouds.identity=" + security.s3AccessKey(),
                "jclouds.credential=" + security.s3SecretKey(),
                "jclouds.filesystem.basedir=" + dataDir(),
                ""));
    }

    @Override
    protected List<Integer> listenPorts() {
        return List.of(port);
    }

    @Override
    protected List<String> command() {
        return List.of(java(), "-Xms64m", "-Xmx256m", "-Djava.awt.headless=true",
                "-cp", layout.s3proxyClasspath(), "org.gaul.s3proxy.Main",
                "--properties", dir.resolve("s3proxy.properties").toString());
    }

    @Override
    public boolean isHealthy() {
        return Processes.httpStatus(endpoint() + "/", security == null ? null : security.sslContext()) > 0;
    }
}
