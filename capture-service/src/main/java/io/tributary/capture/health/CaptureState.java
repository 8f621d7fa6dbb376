package io.tributary.capture.health;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

/** What the engine is doing, for health checks and tests. */
@ApplicationScoped
public class CaptureState {

    public enum Phase {
        STARTING, RUNNING, FAILED, STOPPED
    }

    public record Status(Phase phase, String detail) {
    }

    private final AtomicReference<Status> status = new AtomicReference<>(new Status(Phase.STARTING, "engine not started"));

    public Status status() {
        return status.get();
    }

    public void running() {
        status.updateAndGet(s -> s.phase() == Phase.FAILED ? s : new Status(Phase.RUNNING, "streaming"));
    }

    /** Records the first failure; later ones do not overwrite it. */
    public void failed(String detail) {
        status.updateAndGet(s -> s.phase() == Phase.FAILED ? s : new Status(Phase.FAILED, detail));
    }

    public void stopped(String detail) {
        status.updateAndGet(s -> s.phase() == Phase.FAILED ? s : new Status(Phase.STOPPED, detail));
    }
}
