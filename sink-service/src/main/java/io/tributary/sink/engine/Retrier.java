package io.tributary.sink.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

/**
 * Runs a call to S3 or Redis until it succeeds, with exponential backoff, blocking the calling thread meanwhile
 * (the sink worker, whose wait pauses consumption, or the uploader). Marks the dependency failing in {@link SinkStatus} and counts
 * each failed attempt. Only an outage ({@link Outages#isOutage}) is retried; any other error is rethrown at
 * once (it fails the engine). The action must only talk to the dependency: build its requests beforehand.
 */
public final class Retrier {

    private static final Logger LOG = Logger.getLogger(Retrier.class);

    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final SinkStatus status;
    private final SinkMetrics metrics;

    public Retrier(Duration initialBackoff, Duration maxBackoff, SinkStatus status, SinkMetrics metrics) {
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.status = status;
        this.metrics = metrics;
    }

    public <T> T call(String dependency, String what, Supplier<T> action) {
        AtomicBoolean failed = new AtomicBoolean();
        try {
            return Uni.createFrom().item(action)
                    .onFailure(e -> !Outages.isOutage(e)).invoke(e -> LOG.errorf("%s: %s failed, not retried: %s", dependency, what, e))
                    .onFailure(Outages::isOutage).invoke(e -> {
                        if (!status.isFailing(dependency)) {
                            LOG.warnf("%s unavailable (%s): %s; retrying with backoff", dependency, what, e.toString());
                        }
                        status.failed(dependency, e, failed.compareAndSet(false, true));
                        metrics.failure(dependency);
                    })
                    .onFailure(Outages::isOutage).retry().withBackOff(initialBackoff, maxBackoff).indefinitely()
                    .await().indefinitely();
        } finally {
            if (failed.get() && status.callEnded(dependency)) {
                LOG.infof("%s available again (%s)", dependency, what);
            }
        }
    }

    public void run(String dependency, String what, Runnable action) {
        call(dependency, what, () -> {
            action.run();
            return Boolean.TRUE;
        });
    }
}
