package io.tributary.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One of Tributary's own services run as a packaged JVM application ({@code target/quarkus-app/quarkus-run.jar}),
 * configured with system properties: what {@code ./pipeline demo} starts, and what crash tests SIGKILL and restart.
 * Healthy means {@code /q/health/ready} answers 200.
 */
public final class QuarkusAppProcess extends ProcessService {

    private final String name;
    private final Path jar;
    private final int httpPort;
    private final Map<String, String> config;
    private final List<String> jvmOptions;

    /**
     * @param name       short name (state folder, log file)
     * @param dir        folder for the pid file and the log
     * @param jar        the application's quarkus-run.jar
     * @param httpPort   its HTTP port (quarkus.http.port is set to it)
     * @param config     configuration passed as -Dkey=value
     * @param jvmOptions e.g. -Xmx256m
     */
    public QuarkusAppProcess(String name, Path dir, Path jar, int httpPort, Map<String, String> config, List<String> jvmOptions) {
        super(dir, Duration.ofSeconds(90));
        this.name = name;
        this.jar = jar.toAbsolutePath();
        this.httpPort = httpPort;
        this.config = new TreeMap<>(config);
        this.config.put("quarkus.http.port", Integer.toString(httpPort));
        this.config.putIfAbsent("quarkus.http.host", "127.0.0.1");
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** The packaged application of a service module of the checkout, e.g. {@code sink-service}. */
    public static Path packagedJar(StackLayout layout, String module) {
        Path jar = layout.root().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new StackException(jar + " is missing: package it with `./mvnw -pl " + module + " -am package -DskipTests`");
        }
        return jar;
    }

    @Override
    public String name() {
        return name;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The packaged application it runs. */
    public Path jar() {
        return jar;
    }

    /** Its configuration (passed as -Dkey=value), read-only. */
    public Map<String, String> config() {
        return java.util.Collections.unmodifiableMap(config);
    }

    /** Base URL of its HTTP endpoints. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    @Override
    public String address() {
        return url();
    }

    @Override
    protected void prepare() {
        if (!Files.exists(jar)) {
            throw new StackException(jar + " is missing: package " + name + " first");
        }
    }

    @Override
    protected List<Integer> listenPorts() {
        return List.of(httpPort);
    }

    @Override
    protected List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions);
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }

    @Override
    public boolean isHealthy() {
        return Processes.httpStatus(url() + "/q/health/ready") == 200;
    }
}
