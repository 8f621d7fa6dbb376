package io.tributary.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An S3 API (S3Proxy on the filesystem-nio2 provider) with signed requests (AWS v2/v4). A bucket is a
 * folder of the provider's base directory, so buckets are created before the server starts.
 */
public final class S3ProxyServer extends ProcessService {

    public static final String ACCESS_KEY = "tributary";
    public static final String SECRET_KEY = "tributary-secret";
    public static final String REGION = "us-east-1";

    private final int port;
    private final List<String> buckets;
    private final StackLayout layout;

    public S3ProxyServer(Path dir, int port, List<String> buckets, StackLayout layout) {
        super(dir, Duration.ofSeconds(60));
        this.port = port;
        this.buckets = List.copyOf(buckets);
        this.layout = layout;
    }

    @Override
    public String name() {
        return "s3";
    }

    public int port() {
        return port;
    }

    /** The endpoint S3 clients use, with path-style addressing. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
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
        return Processes.httpStatus(endpoint() + "/") > 0;
    }
}
