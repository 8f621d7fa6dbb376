package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Small process utilities shared by the service launchers. */
final class Processes {

    private Processes() {
    }

    /** Whether this JVM runs as root (PostgreSQL then has to run as the postgres user). */
    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The java executable of this JVM, so child JVMs use the same JDK. */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Starts a long-running process in its own session (setsid), so a Ctrl-C in the terminal that ran
     * the CLI does not reach it, with stdout and stderr appended to the log file. Returns its pid.
     */
    static long spawn(List<String> command, Path workDir, Path log) {
        List<String> full = inOwnSession(command);
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(full)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return process.pid();
        } catch (IOException e) {
            throw new StackException("could not start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** The command prefixed with setsid (when present), so it runs in a session of its own. */
    static List<String> inOwnSession(List<String> command) {
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            full.add("/usr/bin/setsid");
        }
        full.addAll(command);
        return full;
    }

    /** Runs a short command to completion; returns its exit code and output. */
    static Result run(Duration timeout, List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new StackException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new StackException("could not run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while running " + command.get(0), e);
        }
    }

    /** Runs a short command and fails with its output when it exits non-zero. */
    static String runOrFail(Duration timeout, List<String> command) {
        Result result = run(timeout, command);
        if (result.exitCode() != 0) {
            throw new StackException(String.join(" ", command) + " exited " + result.exitCode() + ":\n" + result.output());
        }
        return result.output();
    }

    record Result(int exitCode, String output) {
    }

    static OptionalLong readPid(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return OptionalLong.empty();
            }
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
            return first.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static void writePid(Path pidFile, long pid) {
        try {
            Files.writeString(pidFile, pid + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<ProcessHandle> alive(Path pidFile) {
        OptionalLong pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid.getAsLong()).filter(Processes::isLive);
    }

    /**
     * Whether a process is alive and not a zombie: a killed orphan stays a zombie until PID 1 reaps it,
     * which some container inits do late, and {@link ProcessHandle#isAlive()} counts zombies as alive.
     */
    static boolean isLive(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return process.isAlive();
        }
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL; descendants included. */
    static void terminate(ProcessHandle process, Duration grace) {
        List<ProcessHandle> tree = Stream.concat(Stream.of(process), process.descendants()).toList();
        tree.forEach(ProcessHandle::destroy);
        awaitGone(tree, grace);
        tree.stream().filter(Processes::isLive).forEach(ProcessHandle::destroyForcibly);
        awaitGone(tree, Duration.ofSeconds(10));
    }

    /** SIGKILL the process and its descendants, as a crash would. */
    static void killHard(ProcessHandle process) {
        List<ProcessHandle> tree = Stream.concat(Stream.of(process), process.descendants()).toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitGone(tree, Duration.ofSeconds(10));
    }

    private static void awaitGone(List<ProcessHandle> tree, Duration timeout) {
        waitFor(timeout, () -> tree.stream().noneMatch(Processes::isLive));
    }

    /** Polls a condition every 50 ms until it holds or the timeout passes; returns whether it held. */
    static boolean waitFor(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    static boolean portOpen(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            // a connect to a closed ephemeral port can meet itself (TCP simultaneous open): not a listener
            return socket.getLocalPort() != port;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until nothing listens on the ports any more. A process reported gone by its handle may still
     * hold its listening socket for a few milliseconds (seen after SIGKILL), and a restart on the same
     * port in that window would find the port taken.
     */
    static void awaitPortsClosed(String service, List<Integer> ports, Duration timeout) {
        for (int port : ports) {
            if (!waitFor(timeout, () -> !portOpen("127.0.0.1", port))) {
                throw new StackException(service + " was stopped but port " + port + " on 127.0.0.1 still accepts"
                        + " connections after " + timeout.toSeconds() + " s");
            }
        }
    }

    /** Fails when something we did not start already listens on the port a service is about to use. */
    static void requireFree(String service, int port, Path dir) {
        // a process that has just exited may hold its port for a moment: give it that moment
        if (!waitFor(Duration.ofSeconds(3), () -> !portOpen("127.0.0.1", port))) {
            throw new PortTakenException(service + " cannot start: port " + port + " on 127.0.0.1 is taken by another"
                    + " process (not one this stack started under " + dir + "); free it or choose another port");
        }
    }

    /** The HTTP status of a GET, or -1 when nothing answers. */
    static int httpStatus(String url) {
        return httpStatus(url, null);
    }

    /** The HTTP status of a GET, over HTTPS trusting what {@code tls} trusts (null: the JVM's defaults), or -1. */
    static int httpStatus(String url, javax.net.ssl.SSLContext tls) {
        try {
            java.net.HttpURLConnection connection = (java.net.HttpURLConnection) java.net.URI.create(url).toURL().openConnection();
            if (tls != null && connection instanceof javax.net.ssl.HttpsURLConnection https) {
                https.setSSLSocketFactory(tls.getSocketFactory());
            }
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            try {
                return connection.getResponseCode();
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    /** A TCP port that was free a moment ago on 127.0.0.1. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gives a directory tree to a user (PostgreSQL refuses to run as root and wants to own its data). */
    static void chownTree(Path dir, String user) {
        try {
            UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
            var principal = lookup.lookupPrincipalByName(user);
            var group = lookup.lookupPrincipalByGroupName(user);
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) paths::iterator) {
                    Files.setOwner(p, principal);
                    Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
                }
            }
        } catch (IOException e) {
            throw new StackException("could not give " + dir + " to user " + user + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lets other users (the postgres user) pass through every folder above {@code dir}: temporary folders
     * are created rwx------.
     */
    static void makeTraversable(Path dir) {
        try {
            for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
                var permissions = Files.getPosixFilePermissions(p);
                if (!permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    var updated = java.util.EnumSet.copyOf(permissions);
                    updated.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                    Files.setPosixFilePermissions(p, updated);
                }
            }
        } catch (IOException e) {
            throw new StackException("could not make " + dir + " traversable for the postgres user: " + e.getMessage(), e);
        }
    }

    /** The last {@code lines} lines of a file, or an empty list when it does not exist. */
    static List<String> tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return List.of();
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of("(could not read " + file + ": " + e.getMessage() + ")");
        }
    }
}
