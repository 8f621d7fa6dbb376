package io.tributary.sink.engine;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Which dependencies (s3, redis) are failing right now, and why: the sink is degraded while any is. */
public final class SinkStatus {

    private final Map<String, String> failing = new ConcurrentHashMap<>();

    public void failed(String dependency, Throwable cause) {
        failing.put(dependency, String.valueOf(cause));
    }

    public void recovered(String dependency) {
        failing.remove(dependency);
    }

    public boolean degraded() {
        return !failing.isEmpty();
    }

    /** Failing dependency -> last error. */
    public Map<String, String> failing() {
        return new TreeMap<>(failing);
    }
}
