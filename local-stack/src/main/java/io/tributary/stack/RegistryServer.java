package io.tributary.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The local stand-in for Apicurio Registry 3.x (module schema-registry), as a process.
 * <p>
 * Plain HTTP without authentication in both modes, also in the secure stack ({@code ./pipeline up --secure}):
 * it is a local stand-in holding only Avro schemas, not the registry a deployment runs. A real Apicurio
 * Registry gets TLS and OIDC in its own deployment.
 */
public final class RegistryServer extends ProcessService {

    private final int port;
    private final StackLayout layout;

    public RegistryServer(Path dir, int port, StackLayout layout) {
        super(dir, Duration.ofSeconds(30));
        this.port = port;
        this.layout = layout;
    }

    @Override
    public String name() {
        return "registry";
    }

    public int port() {
        return port;
    }

    /** The value for {@code apicurio.registry.url}. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/registry/v3";
    }

    @Override
    public String address() {
        return url();
    }

    @Override
    protected void prepare() {
        // the registry creates its data folder itself
    }

    @Override
    protected List<Integer> listenPorts() {
        return List.of(port);
    }

    @Override
    protected List<String> command() {
        return List.of(java(), "-Xms32m", "-Xmx128m", "-XX:+UseSerialGC",
                "-cp", layout.registryClasspath(), "io.tributary.registry.RegistryMain",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--data-dir", dir.resolve("data").toString());
    }

    @Override
    public boolean isHealthy() {
        return Processes.httpStatus(url() + "/system/info") == 200;
    }
}
