package io.tributary.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the checkout is, and the classpaths its build resolved for the servers we launch as separate
 * JVMs (so they never share a classpath with the JVM that launches them).
 */
public final class StackLayout {

    private final Path root;

    private StackLayout(Path root) {
        this.root = root;
    }

    public static StackLayout at(Path root) {
        return new StackLayout(root.toAbsolutePath().normalize());
    }

    /**
     * The checkout: $TRIBUTARY_ROOT or -Dtributary.root, else the nearest folder at or above the working
     * directory that holds local-stack-runtime/ (tests run in a module folder, the CLI at the top).
     */
    public static StackLayout discover() {
        String configured = System.getProperty("tributary.root", System.getenv("TRIBUTARY_ROOT"));
        if (configured != null && !configured.isBlank()) {
            return at(Path.of(configured));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("local-stack-runtime/pom.xml"))) {
                return at(dir);
            }
        }
        throw new StackException("cannot find the Tributary checkout above " + Path.of("").toAbsolutePath()
                + ": run from inside it or set TRIBUTARY_ROOT");
    }

    public Path root() {
        return root;
    }

    /** The git-ignored state folder of `./pipeline up`: $TRIBUTARY_HOME, else {@code <root>/.tributary}. */
    public Path defaultStateDir() {
        String configured = System.getenv("TRIBUTARY_HOME");
        return configured != null && !configured.isBlank() ? Path.of(configured).toAbsolutePath() : root.resolve(".tributary");
    }

    String brokerClasspath() {
        return read(root.resolve("local-stack-runtime/target/broker.classpath"));
    }

    String s3proxyClasspath() {
        return read(root.resolve("local-stack-runtime/target/s3proxy.classpath"));
    }

    String registryClasspath() {
        return read(root.resolve("local-stack/target/runtime.classpath"));
    }

    private static String read(Path file) {
        try {
            if (!Files.exists(file)) {
                throw new StackException(file + " is missing: build the local stack first with "
                        + "`./mvnw -q -pl local-stack -am package -DskipTests` (./pipeline up does it)");
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
