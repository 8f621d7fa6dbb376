package io.tributary.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The pipeline's backing services on 127.0.0.1, each under its own folder of one state directory:
 * PostgreSQL (logical decoding), Redis (AOF), Kafka (KRaft), S3Proxy and the schema registry.
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

    public LocalStack(Path stateDir, Ports ports, StackLayout layout) {
        this.ports = ports;
        this.layout = layout;
        this.stateDir = stateDir.toAbsolutePath();
        this.postgres = new PostgresServer(this.stateDir.resolve("postgres"), ports.postgres(), DATABASE);
        this.redis = new RedisServer(this.stateDir.resolve("redis"), ports.redis());
        this.kafka = new KafkaBroker(this.stateDir.resolve("kafka"), ports.kafka(), ports.kafkaController(), layout);
        this.s3 = new S3ProxyServer(this.stateDir.resolve("s3"), ports.s3(), List.of(BUCKET), layout);
        this.registry = new RegistryServer(this.stateDir.resolve("registry"), ports.registry(), layout);
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
