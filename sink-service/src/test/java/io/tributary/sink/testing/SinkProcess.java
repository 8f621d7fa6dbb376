package io.tributary.sink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.awaitility.Awaitility;

import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/** The packaged sink (target/quarkus-app/quarkus-run.jar) as a separate process, configured with -D. */
public final class SinkProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;
    private final Path tmpDir;

    private SinkProcess(Process process, Path log, int port, Path tmpDir) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.tmpDir = tmpDir;
    }

    /** Starts the sink on the test services with extra settings, and waits until it is ready. */
    public static SinkProcess start(TestServices services, String name, Map<String, String> settings) {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run the package phase first (mvn verify does)");
        }
        int port = freePort();
        Map<String, String> config = new TreeMap<>(RealServicesResource.configFor(services, List.of("kafka", "redis", "s3", "registry")));
        config.put("quarkus.http.port", Integer.toString(port));
        config.put("quarkus.http.host", "127.0.0.1");
        config.putAll(settings);
        try {
            Path tmp = Files.createTempDirectory(services.dir(), "sink-" + name + "-tmp-");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx256m");
            command.add("-Djava.io.tmpdir=" + tmp);
            config.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.add("-jar");
            command.add(jar.toString());
            Path log = Files.createTempFile(services.dir(), "sink-" + name + "-", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            SinkProcess sink = new SinkProcess(process, log, port, tmp);
            Awaitility.await("sink " + name + " ready (log " + log + ")").atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("sink exited " + process.exitValue() + ": " + Files.readString(log));
                        }
                        return sink.status("/q/health/ready") == 200;
                    });
            return sink;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    /** SIGTERM (a graceful stop, as Kubernetes does), without waiting for the exit. */
    public void terminate() {
        process.destroy();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Its own {@code java.io.tmpdir}. */
    public Path tmpDir() {
        return tmpDir;
    }

    public Path log() {
        return log;
    }

    /** HTTP status of a GET on the sink, or -1 when it does not answer. */
    public int status(String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(5000);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status;
        } catch (IOException e) {
            return -1;
        }
    }

    /** SIGKILL, as a crash or an OOM kill would. */
    public void kill() {
        process.destroyForcibly();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
        }
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
