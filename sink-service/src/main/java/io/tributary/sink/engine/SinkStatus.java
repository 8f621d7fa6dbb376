package io.tributary.sink.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which dependencies (s3, redis) are failing right now, and why: the sink is degraded while any is. A dependency is
 * failing while at least one call to it is retrying: the worker and the uploader both call Redis, and one thread's
 * success must not clear the other's outage.
 */
public final class SinkStatus {

    private record Failing(int calls, String lastError) {
    }

    private final Map<String, Failing> failing = new HashMap<>();

    /**
     * A call to the dependency failed; {@code firstOfCall} when this call had not failed before (it now counts as
     * one failing call until {@link #callEnded}).
     */
    public synchronized void failed(String dependency, Throwable cause, boolean firstOfCall) {
        Failing before = failing.get(dependency);
        int calls = (before == null ? 0 : before.calls()) + (firstOfCall ? 1 : 0);
        failing.put(dependency, new Failing(Math.max(1, calls), String.valueOf(cause)));
    }

    /**
     * A call that had failed is over (it succeeded, or gave up); the dependency stops failing with its last such call.
     *
     * @return whether the dependency is available again
     */
    public synchronized boolean callEnded(String dependency) {
        Failing before = failing.get(dependency);
        if (before == null || before.calls() <= 1) {
            failing.remove(dependency);
            return before != null;
        }
        failing.put(dependency, new Failing(before.calls() - 1, before.lastError()));
        return false;
    }

    public synchronized boolean degraded() {
        return !failing.isEmpty();
    }

    public synchronized boolean isFailing(String dependency) {
        return failing.containsKey(dependency);
    }

    /** Failing dependency -> last error. */
    public synchronized Map<String, String> failing() {
        Map<String, String> errors = new TreeMap<>();
        failing.forEach((dependency, f) -> errors.put(dependency, f.lastError()));
        return errors;
    }
}
