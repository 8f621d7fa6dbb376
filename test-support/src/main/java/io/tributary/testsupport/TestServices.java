package io.tributary.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import io.tributary.stack.KafkaBroker;
import io.tributary.stack.LocalStack;
import io.tributary.stack.ManagedService;
import io.tributary.stack.PortTakenException;
import io.tributary.stack.PostgresServer;
import io.tributary.stack.RedisServer;
import io.tributary.stack.RegistryServer;
import io.tributary.stack.S3ProxyServer;
import io.tributary.stack.StackLayout;

/**
 * Real backing services for integration tests, started by the same launchers as {@code ./pipeline up}
 * (module local-stack), on free ports under a temporary folder, and stopped when the JVM exits.
 *
 * <p>{@link #shared()} gives one set per test JVM, each service started on first use, so a module's ITs
 * pay each start-up once. A test that kills or restarts a service must either use {@link #isolated()}
 * or leave the service running again, so that no test depends on another's order.
 */
public final class TestServices {

    private static TestServices shared;

    private final Path dir;
    private final StackLayout layout = StackLayout.discover();
    private final List<ManagedService> started = new ArrayList<>();
    private PostgresServer postgres;
    private RedisServer redis;
    private KafkaBroker kafka;
    private S3ProxyServer s3;
    private RegistryServer registry;

    private TestServices() {
        try {
            this.dir = Files.createTempDirectory("tributary-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "tributary-test-services-stop"));
    }

    /** The services shared by every test of this JVM. */
    public static synchronized TestServices shared() {
        if (shared == null) {
            shared = new TestServices();
        }
        return shared;
    }

    /** A private set, for a test that kills or restarts services; call {@link #stopAll()} when done. */
    public static TestServices isolated() {
        return new TestServices();
    }

    public Path dir() {
        return dir;
    }

    /** PostgreSQL with logical decoding, database {@value LocalStack#DATABASE}, superuser postgres. */
    public synchronized PostgresServer postgres() {
        postgres = ensure(postgres,
                (d, ports) -> new PostgresServer(d.resolve("postgres"), ports.postgres(), LocalStack.DATABASE));
        return postgres;
    }

    /** Redis with AOF. */
    public synchronized RedisServer redis() {
        redis = ensure(redis, (d, ports) -> new RedisServer(d.resolve("redis"), ports.redis()));
        return redis;
    }

    /** A single-node KRaft Kafka broker. */
    public synchronized KafkaBroker kafka() {
        kafka = ensure(kafka,
                (d, ports) -> new KafkaBroker(d.resolve("kafka"), ports.kafka(), ports.kafkaController(), layout));
        return kafka;
    }

    /** S3Proxy with bucket {@value LocalStack#BUCKET}. */
    public synchronized S3ProxyServer s3() {
        s3 = ensure(s3,
                (d, ports) -> new S3ProxyServer(d.resolve("s3"), ports.s3(), List.of(LocalStack.BUCKET), layout));
        return s3;
    }

    /** The Apicurio Registry stand-in. */
    public synchronized RegistryServer registry() {
        registry = ensure(registry, (d, ports) -> new RegistryServer(d.resolve("registry"), ports.registry(), layout));
        return registry;
    }

    /**
     * Starts {@code current} again, or a new service on ports free now. A port picked when the JVM's first test ran
     * could be taken minutes later, when a service is first used, by a client's outgoing connection (its local port
     * comes from the same range): a new service whose port is taken gets fresh ports, up to three times.
     */
    private <S extends ManagedService> S ensure(S current, BiFunction<Path, LocalStack.Ports, S> create) {
        if (current != null) {
            current.start();
            return current;
        }
        for (int attempt = 1;; attempt++) {
            S service = create.apply(dir, LocalStack.Ports.free());
            try {
                service.start();
            } catch (PortTakenException e) {
                if (attempt < 3) {
                    continue;
                }
                throw e;
            }
            started.add(service);
            return service;
        }
    }

    /** Stops every service this set started and deletes its folder (logs of a failed run are kept). */
    public synchronized void stopAll() {
        boolean clean = true;
        for (ManagedService service : started.reversed()) {
            try {
                service.stop();
            } catch (RuntimeException e) {
                clean = false;
                System.err.println("could not stop " + service.name() + ": " + e.getMessage());
            }
        }
        started.clear();
        if (clean && !Boolean.getBoolean("tributary.keep-test-data")) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }
}
