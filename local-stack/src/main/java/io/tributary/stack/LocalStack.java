package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The pipeline's backing services on 127.0.0.1, each under its own folder of one state directory:
 * PostgreSQL (logical decoding), Redis (AOF), Kafka (KRaft), S3Proxy and the schema registry.
 * <p>
 * Two modes, fixed for a state directory at its first {@code up}: plaintext (no passwords, no TLS: what the
 * tests and the demo use) and secure ({@code ./pipeline up --secure}: TLS and a password or ACL for every
 * service but the schema registry; see {@link StackSecurity}). A secure state directory holds the marker
 * file {@value #SECURE_MARKER}, so later commands on it know its mode without being told.
 */
public final class LocalStack {

    /** The ports, each overridable by an environment variable (the README lists them). */
    public record Ports(int postgres, int redis, int kafka, int kafkaController, int s3, int registry,
            int capture, int processor, int sink) {

        public static final Map<String, Integer> DEFAULTS = Map.of(
                "TRIBUTARY_PG_PORT", 5433,
                "TRIBUTARY_REDIS_PORT", 6380,
                "TRIBUTARY_KAFKA_PORT", 19092,
                "TRIBUTARY_KAFKA_CONTROLLER_PORT", 19093,
                "TRIBUTARY_S3_PORT", 9000,
                "TRIBUTARY_REGISTRY_PORT", 8085,
                "TRIBUTARY_CAPTURE_PORT", 8081,
                "TRIBUTARY_PROCESSOR_PORT", 8082,
                "TRIBUTARY_SINK_PORT", 8083);

        public static Ports fromEnvironment() {
            return new Ports(env("TRIBUTARY_PG_PORT"), env("TRIBUTARY_REDIS_PORT"), env("TRIBUTARY_KAFKA_PORT"),
                    env("TRIBUTARY_KAFKA_CONTROLLER_PORT"), env("TRIBUTARY_S3_PORT"), env("TRIBUTARY_REGISTRY_PORT"),
                    env("TRIBUTARY_CAPTURE_PORT"), env("TRIBUTARY_PROCESSOR_PORT"), env("TRIBUTARY_SINK_PORT"));
        }

        /** Ports that were free a moment ago, for tests that run beside a developer's own stack. */
        public static Ports free() {
            return new Ports(Processes.freePort(), Processes.freePort(), Processes.freePort(), Processes.freePort(),
                    Processes.freePort(), Processes.freePort(), Processes.freePort(), Processes.freePort(), Processes.freePort());
        }

        private static int env(String name) {
            String value = System.getenv(name);
            if (value == null || value.isBlank()) {
                return DEFAULTS.get(name);
            }
            try {
                int port = Integer.parseInt(value.strip());
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                throw new StackException(name + "=" + value + " is not a TCP port (1-65535)");
            }
        }
    }

    public static final String DATABASE = "tributary";
    /** The file, in a state directory, whose presence marks a secure stack. */
    public static final String SECURE_MARKER = "SECURE";
    public static final String BUCKET = "lake";
    /** Tributary's own services, in data-path order, as `./pipeline demo` runs them. */
    public static final List<String> APPS = List.of("capture-service", "processor-service", "sink-service");

    private final Path stateDir;
    private final PostgresServer postgres;
    private final RedisServer redis;
    private final KafkaBroker kafka;
    private final S3ProxyServer s3;
    private final RegistryServer registry;
    private final Ports ports;
    private final StackLayout layout;
    private final StackSecurity security;

    /**
     * The stack of a state directory in the mode recorded there: secure when the directory holds
     * {@value #SECURE_MARKER}, else plaintext (a new directory is plaintext, as before secure mode existed).
     */
    public LocalStack(Path stateDir, Ports ports, StackLayout layout) {
        this(stateDir, ports, layout, isMarkedSecure(stateDir));
    }

    /**
     * The stack of a state directory in the given mode. Fails when the directory already holds a stack of
     * the other mode: its data and clients were set up for that mode (start again with a new
     * TRIBUTARY_HOME, or delete the folder, to change it).
     */
    public LocalStack(Path stateDir, Ports ports, StackLayout layout, boolean secure) {
        this.ports = ports;
        this.layout = layout;
        this.stateDir = stateDir.toAbsolutePath();
        requireMode(this.stateDir, secure);
        this.security = secure ? new StackSecurity(this.stateDir, ports) : null;
        this.postgres = new PostgresServer(this.stateDir.resolve("postgres"), ports.postgres(), DATABASE, security);
        this.redis = new RedisServer(this.stateDir.resolve("redis"), ports.redis(), security);
        this.kafka = new KafkaBroker(this.stateDir.resolve("kafka"), ports.kafka(), ports.kafkaController(), layout, security);
        this.s3 = new S3ProxyServer(this.stateDir.resolve("s3"), ports.s3(), List.of(BUCKET), layout, security);
        // the schema registry stand-in stays on plain HTTP in secure mode too (see RegistryServer)
        this.registry = new RegistryServer(this.stateDir.resolve("registry"), ports.registry(), layout);
    }

    /** Whether the state directory holds a secure stack ({@value #SECURE_MARKER}). */
    public static boolean isMarkedSecure(Path stateDir) {
        return Files.exists(stateDir.toAbsolutePath().resolve(SECURE_MARKER));
    }

    /** Whether the state directory holds data of a plaintext stack (one started before, without the marker). */
    private static boolean hasPlaintextData(Path stateDir) {
        return !isMarkedSecure(stateDir) && List.of("postgres", "redis", "kafka", "s3").stream()
                .anyMatch(service -> Files.exists(stateDir.resolve(service)));
    }

    private static void requireMode(Path stateDir, boolean secure) {
        if (secure && hasPlaintextData(stateDir)) {
            throw new StackException(stateDir + " holds a plaintext stack: it cannot be switched to --secure (its data"
                    + " and clients were set up without TLS and passwords). `./pipeline down`, then use another state folder"
                    + " (TRIBUTARY_HOME=...) or delete this one, to start a secure stack.");
        }
        if (!secure && isMarkedSecure(stateDir)) {
            throw new StackException(stateDir + " holds a secure stack (" + SECURE_MARKER + " marker): it cannot be used"
                    + " as a plaintext stack. Use another state folder (TRIBUTARY_HOME=...) or delete this one.");
        }
    }

    /** Whether this stack runs in secure mode. */
    public boolean secure() {
        return security != null;
    }

    /** The secure stack's credentials and TLS material; empty for a plaintext stack. */
    public Optional<StackSecurity> security() {
        return Optional.ofNullable(security);
    }

    public Path stateDir() {
        return stateDir;
    }

    public PostgresServer postgres() {
        return postgres;
    }

    public RedisServer redis() {
        return redis;
    }

    public KafkaBroker kafka() {
        return kafka;
    }

    public S3ProxyServer s3() {
        return s3;
    }

    public RegistryServer registry() {
        return registry;
    }

    public Ports ports() {
        return ports;
    }

    public List<ManagedService> services() {
        return List.of(postgres, redis, kafka, s3, registry);
    }

    /**
     * One of Tributary's services ({@link #APPS}) as a process of this stack: its packaged jar, its port, and
     * the given configuration; pid and log under {@code <state>/<name>/}.
     */
    public QuarkusAppProcess app(String name, Map<String, String> config, List<String> jvmOptions) {
        int port = switch (name) {
            case "capture-service" -> ports.capture();
            case "processor-service" -> ports.processor();
            case "sink-service" -> ports.sink();
            default -> throw new IllegalArgumentException("no service " + name + "; one of " + APPS);
        };
        return new QuarkusAppProcess(name, stateDir.resolve(name), layout.root().resolve(name).resolve("target/quarkus-app/quarkus-run.jar"),
                port, config, jvmOptions);
    }

    /** The services of {@link #APPS} that run now (started by `./pipeline demo`). */
    public List<QuarkusAppProcess> runningApps() {
        return APPS.stream().map(name -> app(name, Map.of(), List.of())).filter(QuarkusAppProcess::isRunning).toList();
    }

    /**
     * Starts every service that is not already running, in parallel, and waits until each answers.
     * Fails with every failure's message when one or more could not start.
     */
    public void up(Consumer<String> progress) {
        if (security != null) {
            prepareSecurity(progress);
        }
        List<String> failures = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> starts = new ArrayList<>();
            for (ManagedService service : services()) {
                starts.add(executor.submit(() -> {
                    boolean wasRunning = service.isRunning();
                    long started = System.nanoTime();
                    service.start();
                    progress.accept(String.format("%-9s %s at %s%s", service.name(),
                            wasRunning ? "already running" : "started", service.address(),
                            wasRunning ? "" : String.format(" (%.1f s)", (System.nanoTime() - started) / 1e9)));
                    return null;
                }));
            }
            for (int i = 0; i < starts.size(); i++) {
                try {
                    starts.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(services().get(i).name() + ": " + e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failures.add("interrupted");
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new StackException(String.join("\n", failures));
        }
    }

    /** Writes the marker, then creates the passwords and TLS material that are missing (first secure `up`). */
    private void prepareSecurity(Consumer<String> progress) {
        try {
            Files.createDirectories(stateDir);
            Path marker = stateDir.resolve(SECURE_MARKER);
            if (!Files.exists(marker)) {
                Files.writeString(marker, "secure mode: TLS and credentials under tls/ and secrets/ (written by ./pipeline up --secure)\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        boolean existed = security.exists();
        security.ensure();
        progress.accept(String.format("%-9s %s under %s and %s", "security",
                existed ? "reusing credentials and certificates" : "generated credentials and certificates",
                security.tlsDir(), security.secretsDir()));
    }

    /** Stops every service this stack started (and the services of `./pipeline demo`), each by its pid, waiting until its process is gone. */
    public void down(Consumer<String> progress) {
        // the reverse of the data path: Tributary's services first, then what they talk to
        List<ManagedService> reversed = new ArrayList<>(services());
        reversed.addAll(runningApps());
        java.util.Collections.reverse(reversed);
        for (ManagedService service : reversed) {
            if (service.isRunning()) {
                service.stop();
                progress.accept(String.format("%-9s stopped", service.name()));
            } else {
                progress.accept(String.format("%-9s not running", service.name()));
            }
        }
    }
}
