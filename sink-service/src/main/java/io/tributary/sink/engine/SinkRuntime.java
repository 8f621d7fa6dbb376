package io.tributary.sink.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.tributary.sink.config.SinkConfig;
import io.tributary.sink.config.SinkSettings;
import io.tributary.sink.lake.S3ObjectStore;
import io.tributary.sink.redis.RedisLatestState;
import io.tributary.sink.view.ViewRecord;
import io.vertx.mutiny.redis.client.Redis;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs the {@link SinkEngine} on one worker thread: consumed batches and the roll-age tick are executed
 * there one after the other, so the engine needs no locks, and a blocked write (S3 or Redis down, retried)
 * holds back the next batch, which pauses the Kafka consumer.
 */
@Startup
@ApplicationScoped
public class SinkRuntime {

    private static final Logger LOG = Logger.getLogger(SinkRuntime.class);

    private final SinkSettings settings;
    private final SinkStatus status = new SinkStatus();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final SinkEngine engine;
    private final ScheduledExecutorService worker;
    private volatile boolean stopping;

    public SinkRuntime(SinkConfig config, S3Client s3, Redis redis, MeterRegistry registry) {
        this.settings = SinkSettings.from(config);
        SinkMetrics metrics = new SinkMetrics(registry);
        Retrier retrier = new Retrier(settings.retryInitialBackoff(), settings.retryMaxBackoff(), status, metrics);
        this.engine = new SinkEngine(settings,
                new S3ObjectStore(s3, settings.bucket(), settings.multipartThreshold(), settings.multipartPartSize()),
                new RedisLatestState(redis, settings.redisKeyPrefix(), settings::ttlOf, settings.tombstoneTtl(),
                        Duration.ofSeconds(10)),
                System::currentTimeMillis, metrics, retrier);
        metrics.bind(engine::openBuffers, engine::bufferedBytes, status);
        this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sink-worker");
            thread.setDaemon(true);
            return thread;
        });
        long interval = settings.rollCheckInterval().toMillis();
        worker.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
        LOG.infof("sink: bucket %s, roll at %d rows / %d bytes / %s, at most %d open files (~%d bytes buffered)",
                settings.bucket(), settings.rollMaxRecords(), settings.rollMaxBytes(), settings.rollMaxAge(),
                settings.maxOpenBuffers(), settings.maxOpenBuffers() * settings.rollMaxBytes());
    }

    public SinkSettings settings() {
        return settings;
    }

    public SinkStatus status() {
        return status;
    }

    public SinkEngine engine() {
        return engine;
    }

    /** The error that stopped the engine, if any (the liveness check reports it). */
    public Throwable fatal() {
        return fatal.get();
    }

    /** Hands a batch to the worker; the Uni completes once it is buffered (not yet acknowledged). */
    public Uni<Void> submit(List<ViewRecord> records, Runnable ack) {
        return Uni.createFrom().emitter(emitter -> {
            try {
                worker.execute(() -> {
                    try {
                        engine.accept(records, ack);
                        emitter.complete(null);
                    } catch (Throwable e) {
                        fail(e);
                        emitter.fail(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                emitter.fail(e);
            }
        });
    }

    private void tick() {
        try {
            engine.tick();
        } catch (Throwable e) {
            fail(e);
        }
    }

    private void fail(Throwable e) {
        if (stopping) {
            LOG.debugf("sink stopped during work (redelivered after the restart): %s", e);
            return;
        }
        if (fatal.compareAndSet(null, e)) {
            LOG.error("sink engine failed; its unacknowledged records will be redelivered after a restart", e);
        }
    }

    @PreDestroy
    void stop() {
        // open files are not flushed: their records are not acknowledged, so they are redelivered
        stopping = true;
        worker.shutdownNow();
    }
}
