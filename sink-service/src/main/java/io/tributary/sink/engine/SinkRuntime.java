package io.tributary.sink.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.tributary.sink.config.SinkConfig;
import io.tributary.sink.config.SinkSettings;
import io.tributary.sink.dedupe.RedisUploadedEvents;
import io.tributary.sink.lake.S3ObjectStore;
import io.tributary.sink.redis.RedisLatestState;
import io.tributary.sink.view.ViewRecord;
import io.vertx.mutiny.redis.client.Redis;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs the {@link SinkEngine} on one worker thread: consumed batches and the roll-age tick are executed
 * there one after the other, so the engine needs no locks, and a blocked write (Redis down, retried) holds back
 * the next batch, which pauses the Kafka consumer. Rolled files are encoded and uploaded on a second thread, the
 * uploader, so that batches keep reaching Redis meanwhile; while S3 is down the uploads wait, and once the
 * files waiting for them reach the memory bound the worker waits too. Once the engine failed (a non-retryable error, in
 * a batch, in the roll timer or in an upload, noticed when the worker takes it) no batch or timer runs on it any
 * more and no later file is uploaded: every batch fails, which stops the channel (liveness DOWN) instead of leaving
 * a hole in the lake.
 */
@Startup
@ApplicationScoped
public class SinkRuntime {

    private static final Logger LOG = Logger.getLogger(SinkRuntime.class);

    private final SinkSettings settings;
    private final SinkStatus status;
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final SinkEngine engine;
    private final ScheduledExecutorService worker;
    private final ExecutorService uploader;
    private volatile boolean stopping;
    /** Jobs queued on the worker and not yet run ({@link #queue}). */
    private final Set<Job> queued = ConcurrentHashMap.newKeySet();

    @Inject
    public SinkRuntime(SinkConfig config, S3Client s3, Redis redis, MeterRegistry registry, OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingDisabled) {
        this(SinkSettings.from(config), new SinkStatus(), new SinkMetrics(registry), (settings, parts) -> {
            SinkEngine engine = new SinkEngine(settings,
                    new S3ObjectStore(s3, settings.bucket(), settings.multipartThreshold(), settings.multipartPartSize()),
                    new RedisLatestState(redis, settings.redisKeyPrefix(), settings::ttlOf, settings.tombstoneTtl(),
                            Duration.ofSeconds(10)),
                    System::currentTimeMillis, parts.metrics(), parts.retrier(),
                    new RedisUploadedEvents(redis, settings.redisKeyPrefix(), settings.lakeDedupeTtl(), Duration.ofSeconds(10)),
                    tracingDisabled ? OpenTelemetry.noop() : openTelemetry);
            if (config.push().enabled() && !config.push().reorderWindow().isZero()) {
                // unordered push delivery: a late offset can fall inside a file already uploaded without it
                engine.offsetRangesMayHaveHoles();
            }
            return engine;
        });
    }

    /** The parts an engine is built from, made by the runtime. */
    record EngineParts(SinkMetrics metrics, Retrier retrier) {
    }

    /** Builds the engine (tests pass their own stores and clock). */
    interface EngineFactory {
        SinkEngine create(SinkSettings settings, EngineParts parts);
    }

    SinkRuntime(SinkSettings settings, SinkStatus status, SinkMetrics metrics, EngineFactory engineFactory) {
        this.settings = settings;
        this.status = status;
        Retrier retrier = new Retrier(settings.retryInitialBackoff(), settings.retryMaxBackoff(), status, metrics);
        this.engine = engineFactory.create(settings, new EngineParts(metrics, retrier));
        metrics.bind(engine::openBuffers, engine::bufferedBytes, status);
        this.worker = Executors.newSingleThreadScheduledExecutor(daemon("sink-worker"));
        this.uploader = Executors.newSingleThreadExecutor(daemon("sink-uploader"));
        engine.uploadOn(uploader, () -> {
            try {
                worker.execute(() -> guarded(engine::completeUploads));
            } catch (RejectedExecutionException e) {
                LOG.debugf("sink stopped, upload not completed (redelivered after the restart)");
            }
        });
        long interval = settings.rollCheckInterval().toMillis();
        worker.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
        LOG.infof("sink: bucket %s, roll at %d rows / %d bytes / %s, at most %d open files holding %d bytes, as much again"
                + " waiting for upload", settings.bucket(), settings.rollMaxRecords(), settings.rollMaxBytes(),
                settings.rollMaxAge(), settings.maxOpenBuffers(), settings.bufferBound());
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
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

    /**
     * Hands a batch to the worker ({@link SinkEngine#accept}: one ack per topic-partition); the Uni completes once
     * it is buffered (not yet acknowledged), and fails at once if the engine has failed.
     */
    public Uni<Void> submit(List<ViewRecord> records, Map<String, Runnable> acks) {
        return Uni.createFrom().emitter(emitter -> {
            Throwable failed = fatal.get();
            if (failed != null) {
                emitter.fail(new IllegalStateException("the sink engine has failed; consumption stops", failed));
                return;
            }
            try {
                queue(() -> {
                    Throwable failedMeanwhile = fatal.get();
                    if (failedMeanwhile != null) {
                        emitter.fail(new IllegalStateException("the sink engine has failed; consumption stops", failedMeanwhile));
                        return;
                    }
                    try {
                        engine.accept(records, acks);
                        emitter.complete(null);
                    } catch (Throwable e) {
                        fail(e);
                        emitter.fail(e);
                    }
                }, () -> emitter.fail(new IllegalStateException("the sink stopped before this batch was taken")));
            } catch (RejectedExecutionException e) {
                emitter.fail(e);
            }
        });
    }

    /**
     * Runs a job on the engine on the worker (after the work queued before it) and waits for it: for the Kafka
     * rebalance callbacks, which must not return before the engine let go of the partitions.
     */
    public void runOnWorker(String what, Consumer<SinkEngine> job) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            queue(() -> {
                try {
                    job.accept(engine);
                    done.complete(null);
                } catch (Throwable e) {
                    fail(e);
                    done.completeExceptionally(e);
                }
            }, () -> done.complete(null));
        } catch (RejectedExecutionException e) {
            LOG.debugf("sink stopped, %s skipped", what);
            return;
        }
        try {
            done.join(); // completes unrun when the sink stops first (its open files are redelivered anyway)
        } catch (RuntimeException e) {
            throw new IllegalStateException("sink engine: " + what + " failed", e);
        }
    }

    /**
     * Rolls and uploads every open file on the worker (after the work queued before it), waiting at most
     * {@code timeout}: at a graceful shutdown of push mode, so that the requests waiting for those files are answered.
     *
     * @return true when every open file was uploaded in time
     */
    public boolean flushAll(Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            queue(() -> {
                if (fatal.get() != null) {
                    done.completeExceptionally(new IllegalStateException("the sink engine has failed", fatal.get()));
                    return;
                }
                try {
                    engine.flushAll();
                    done.complete(null);
                } catch (Throwable e) {
                    fail(e);
                    done.completeExceptionally(e);
                }
            }, () -> done.completeExceptionally(new IllegalStateException("the sink stopped first")));
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warnf("sink: open files not all uploaded at shutdown (%s); their requests are not answered 2xx", e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Queues a job on the worker; {@code dropped} runs instead if {@link #stop} drops the job unrun, so that whoever
     * waits for it is told. {@code shutdownNow} hands back its own wrappers, not the jobs, hence {@link #queued}.
     */
    private void queue(Runnable job, Runnable dropped) {
        Job queuedJob = new Job(job, dropped);
        queued.add(queuedJob);
        try {
            worker.execute(queuedJob);
        } catch (RejectedExecutionException e) {
            queued.remove(queuedJob);
            throw e;
        }
    }

    /** A job on the worker: runs or is dropped, whichever takes it from {@link #queued} first. */
    private final class Job implements Runnable {
        private final Runnable body;
        private final Runnable dropped;

        Job(Runnable body, Runnable dropped) {
            this.body = body;
            this.dropped = dropped;
        }

        @Override
        public void run() {
            if (queued.remove(this)) {
                body.run();
            }
        }

        void drop() {
            if (queued.remove(this)) {
                dropped.run();
            }
        }
    }

    void tick() {
        guarded(engine::tick);
    }

    /** Runs a job of the worker's own (not a batch's) unless the engine has failed; its failure fails the engine. */
    private void guarded(Runnable job) {
        if (fatal.get() != null) {
            return;
        }
        try {
            job.run();
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
        uploader.shutdownNow();
        queued.forEach(Job::drop); // a rebalance callback waiting in runOnWorker returns instead of hanging the consumer's close
    }
}
