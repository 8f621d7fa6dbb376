package io.tributary.capture.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

import io.tributary.testsupport.Http;

/** The packaged capture-service ({@code target/quarkus-app/quarkus-run.jar}) as its own process. */
public final class CaptureProcess implements AutoCloseable {

    private final Map<String, String> config;
    private final Path log;
    private final int httpPort;
    private Process process;

    public CaptureProcess(Map<String, String> config, Path log) {
        this.config = config;
        this.log = log;
        this.httpPort = freePort();
    }

    public CaptureProcess start() {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run ./mvnw -pl capture-service package first");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        command.add("-Dquarkus.http.port=" + httpPort);
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Waits until /q/health/ready answers 200. */
    public CaptureProcess awaitReady(Duration timeout) {
        HttpClient http = Http.client();
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("capture-service exited with " + process.exitValue() + ", see " + log);
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        });
        return this;
    }

    public String get(String path) throws IOException, InterruptedException {
        HttpClient http = Http.client();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    public Process process() {
        return process;
    }

    /** SIGKILL, and wait until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
