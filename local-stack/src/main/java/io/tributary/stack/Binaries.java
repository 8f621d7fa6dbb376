package io.tributary.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the native server binaries the stack runs, with a message saying how to install a missing one. */
final class Binaries {

    private Binaries() {
    }

    /** A program on the PATH, or a clear error naming the Debian package that provides it. */
    static Path require(String program, String debianPackage) {
        return onPath(program).orElseThrow(() -> new StackException(program + " is not installed: run `sudo apt-get install -y "
                + debianPackage + "` (./pipeline up installs it for you on Debian)"));
    }

    static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/usr/local/bin"}) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * PostgreSQL's server binaries (initdb, pg_ctl, postgres): $TRIBUTARY_PG_BIN, else the newest
     * /usr/lib/postgresql/N/bin that has them (Debian does not put them on the PATH).
     */
    static Path postgresBin() {
        String configured = System.getenv("TRIBUTARY_PG_BIN");
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            if (Files.isExecutable(dir.resolve("pg_ctl"))) {
                return dir;
            }
            throw new StackException("TRIBUTARY_PG_BIN=" + configured + " has no pg_ctl");
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                        .max(Comparator.comparingInt(bin -> versionOf(bin.getParent())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                // fall through to the error below
            }
        }
        return onPath("pg_ctl").map(Path::getParent).orElseThrow(() -> new StackException(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: run `sudo apt-get install -y postgresql` "
                        + "or set TRIBUTARY_PG_BIN to their folder"));
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
