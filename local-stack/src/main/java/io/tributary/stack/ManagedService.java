package io.tributary.stack;

import java.nio.file.Path;

/**
 * One backing service of the local stack, run as a separate process whose state (data, pid file, log)
 * lives under one directory, so that a later invocation (another CLI call, another test) can find it.
 */
public interface ManagedService {

    /** Short name used by the CLI, the state folder and the logs: postgres, redis, kafka, s3, registry. */
    String name();

    /** Where clients connect, e.g. {@code 127.0.0.1:5433} or a URL. */
    String address();

    /** Starts the service unless it already runs, and waits until it answers; idempotent. */
    void start();

    /** Stops the service gracefully (then forcibly), waiting until its process is gone; idempotent. */
    void stop();

    /** Kills the service with SIGKILL, as a crash would. */
    void kill();

    /** Whether the process recorded in the pid file is alive. */
    boolean isRunning();

    /** Whether the service answers a real request (not only that its process exists). */
    boolean isHealthy();

    /** The log file the process writes to. */
    Path logFile();
}
