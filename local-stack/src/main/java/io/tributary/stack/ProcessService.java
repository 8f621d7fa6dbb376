package io.tributary.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A service that is one long-running process we spawn ourselves: its pid goes to {@code <dir>/pid},
 * its output to {@code <dir>/<name>.log}.
 */
abstract class ProcessService implements ManagedService {

    protected final Path dir;
    private final Duration startTimeout;

    ProcessService(Path dir, Duration startTimeout) {
        this.dir = dir.toAbsolutePath();
        this.startTimeout = startTimeout;
    }

    /** Writes configuration and initialises data, once per start; must be idempotent. */
    protected abstract void prepare() throws IOException;

    /** The TCP ports the process listens on; they must be free before it starts. */
    protected abstract List<Integer> listenPorts();

    /** The command line of the long-running process. */
    protected abstract List<String> command();

    /**
     * Whether the process answers that it is still loading its data (Redis reading a large append-only file):
     * alive and on its way, so start-up waits past the start timeout, up to {@link #MAX_LOADING}.
     */
    protected boolean isLoading() {
        return false;
    }

    /** Longest start-up waits for a service that keeps saying it is loading its data. */
    static final Duration MAX_LOADING = Duration.ofMinutes(10);

    /**
     * Waits until the service answers or its process is gone: the start timeout, and on while it says it is loading.
     * False when it still does not answer.
     */
    private boolean awaitAnswer() {
        long deadline = System.nanoTime() + MAX_LOADING.toNanos();
        while (!Processes.waitFor(startTimeout, () -> isHealthy() || !isRunning())) {
            if (!isLoading() || System.nanoTime() - deadline > 0) {
                return isHealthy() || !isRunning(); // it may have finished loading since the wait gave up
            }
        }
        return true;
    }

    protected Path pidFile() {
        return dir.resolve("pid");
    }

    @Override
    public Path logFile() {
        return dir.resolve(name() + ".log");
    }

    @Override
    public boolean isRunning() {
        return Processes.alive(pidFile()).isPresent();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            if (awaitAnswer() && isHealthy()) {
                return;
            }
            throw new StackException(name() + " runs (pid file " + pidFile() + ") but does not answer at " + address()
                    + "; last log lines:\n" + String.join("\n", Processes.tail(logFile(), 20)));
        }
        for (int port : listenPorts()) {
            Processes.requireFree(name(), port, dir);
        }
        try {
            Files.createDirectories(dir);
            prepare();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long pid = Processes.spawn(command(), dir, logFile());
        Processes.writePid(pidFile(), pid);
        boolean healthy = awaitAnswer();
        if (!healthy || !isRunning()) {
            String why = isRunning() ? "did not answer within " + startTimeout.toSeconds() + " s" : "exited";
            Processes.alive(pidFile()).ifPresent(p -> Processes.terminate(p, Duration.ofSeconds(5)));
            throw new StackException(name() + " " + why + " (log " + logFile() + "); last log lines:\n"
                    + String.join("\n", Processes.tail(logFile(), 30)));
        }
    }

    @Override
    public synchronized void stop() {
        var process = Processes.alive(pidFile());
        process.ifPresent(p -> Processes.terminate(p, Duration.ofSeconds(20)));
        deletePidFile();
        if (process.isPresent()) {
            Processes.awaitPortsClosed(name(), listenPorts(), Duration.ofSeconds(15));
        }
    }

    @Override
    public synchronized void kill() {
        var process = Processes.alive(pidFile());
        process.ifPresent(Processes::killHard);
        deletePidFile();
        if (process.isPresent()) {
            Processes.awaitPortsClosed(name(), listenPorts(), Duration.ofSeconds(15));
        }
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static String java() {
        return Processes.javaExecutable();
    }
}
