package io.tributary.sink.push;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.TreeMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.tributary.sink.config.SinkConfig;
import io.tributary.sink.engine.SinkEngine;
import io.tributary.sink.engine.SinkRuntime;
import io.tributary.sink.view.ViewRecord;
import io.tributary.support.KafkaSourceEvent;
import io.tributary.support.avro.CachingAvroDeserializer;

/**
 * Push mode: view records delivered one per request by a Knative KafkaSource, fed to the same {@link SinkRuntime}
 * worker and {@link SinkEngine} as the Kafka batches, with the topic, partition and offset of the CloudEvent (so
 * object names are the same as in pull mode). A request completes when its row is durable: applied to Redis and in
 * an uploaded file, or dropped by the engine as already in the lake.
 *
 * <p>Ordering: the engine needs the offsets of a partition in increasing order (a lower offset means "rewound").
 * Each request is held {@code sink.push.reorder-window}, then the waiting records of its partition go to the engine
 * in offset order. A resent request for an offset already handed over waits for (or gets at once) the outcome of
 * the first one; a lower offset never seen before, arriving after a higher one was handed over, is refused with
 * {@link OutOfOrder} (503).
 *
 * <p>Shutdown: new requests are refused ({@link Stopping}); the open files are uploaded, which completes the
 * waiting requests; whatever could not be uploaded in {@code sink.push.shutdown-timeout} is never answered 2xx.
 */
@ApplicationScoped
public class PushReceiver {

    private static final Logger LOG = Logger.getLogger(PushReceiver.class);

    /** The KafkaSource delivered a lower offset of a partition after a higher one (unordered delivery). */
    public static final class OutOfOrder extends RuntimeException {
        OutOfOrder(String message) {
            super(message, null, false, false);
        }
    }

    /** The service is shutting down. */
    public static final class Stopping extends RuntimeException {
        Stopping() {
            super("the sink is shutting down", null, false, false);
        }
    }

    /** The value could not be read (registry down, unknown schema id): retried by the source. */
    public static final class Unreadable extends RuntimeException {
        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final SinkRuntime runtime;
    private final SinkConfig.Push config;
    private final MeterRegistry registry;
    private final AvroKafkaDeserializer<GenericRecord> deserializer = new CachingAvroDeserializer<>();
    private final Map<String, PartitionTrack> partitions = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sink-push-reorder");
        thread.setDaemon(true);
        return thread;
    });
    /** Set once at shutdown: new requests are refused from then on. */
    private final AtomicBoolean stopping = new AtomicBoolean();

    public PushReceiver(SinkRuntime runtime, SinkConfig config, MeterRegistry registry,
            @ConfigProperty(name = "apicurio.registry.url", defaultValue = "http://127.0.0.1:8085/apis/registry/v3") String registryUrl) {
        this.runtime = runtime;
        this.config = config.push();
        this.registry = registry;
        if (this.config.enabled()
                && this.config.timeout().compareTo(runtime.settings().rollMaxAge().plus(this.config.reorderWindow())) <= 0) {
            throw new IllegalArgumentException("sink.push.timeout (" + this.config.timeout()
                    + ") must exceed sink.roll.max-age (" + runtime.settings().rollMaxAge()
                    + ") + sink.push.reorder-window (" + this.config.reorderWindow() + ")");
        }
        deserializer.configure(Map.of("apicurio.registry.url", registryUrl), false);
    }

    public boolean enabled() {
        return config.enabled();
    }

    public Duration timeout() {
        return config.timeout();
    }

    /**
     * Hands the event's record to the engine; the stage completes when it is durable, or fails with
     * {@link IllegalArgumentException} (not a view change: do not retry), {@link OutOfOrder}, {@link Stopping},
     * {@link Unreadable} or the engine's failure. It does not time out by itself; cancelling it leaves the record
     * in the engine (a resent request for the same offset waits for the same outcome).
     */
    public CompletionStage<Void> receive(KafkaSourceEvent event) {
        if (stopping.get()) {
            return CompletableFuture.failedFuture(new Stopping());
        }
        if (event.value() == null) {
            // a tombstone after a delete: nothing to write (as in pull mode)
            return CompletableFuture.completedFuture(null);
        }
        if (!event.topic().startsWith(runtime.settings().viewTopicPrefix())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "topic " + event.topic() + " is not a view topic (" + runtime.settings().viewTopicPrefix() + "*)"));
        }
        String tp = SinkEngine.partitionKey(event.topic(), event.partition());
        PartitionTrack track;
        synchronized (partitions) {
            track = partitions.computeIfAbsent(tp, k -> new PartitionTrack());
        }
        synchronized (track) {
            CompletableFuture<Void> pending = track.inFlight.get(event.offset());
            if (pending != null) {
                return pending.copy(); // resent while the first request still waits
            }
            if (track.durable.contains(event.offset())) {
                return CompletableFuture.completedFuture(null);
            }
        }
        ViewRecord record;
        try {
            record = read(event);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> durable = new CompletableFuture<>();
        synchronized (track) {
            CompletableFuture<Void> raced = track.inFlight.get(event.offset());
            if (raced != null) {
                return raced.copy();
            }
            if (event.offset() <= track.submittedThrough) {
                registry.counter("tributary.sink.push.out.of.order", "topic", event.topic()).increment();
                return CompletableFuture.failedFuture(new OutOfOrder(tp + ": offset " + event.offset()
                        + " arrived more than sink.push.reorder-window after offset " + track.submittedThrough
                        + "; deliver in order (KafkaSource spec.ordering: ordered) or widen the window"));
            }
            track.inFlight.put(event.offset(), durable);
            track.waiting.put(event.offset(), new Waiting(record, durable, System.nanoTime()));
        }
        durable.whenComplete((ok, failure) -> {
            synchronized (track) {
                track.inFlight.remove(event.offset());
                if (failure == null) {
                    track.remember(event.offset(), config.rememberedOffsets());
                }
            }
        });
        long window = config.reorderWindow().toNanos();
        if (window == 0) {
            release(tp, track);
        } else {
            timer.schedule(() -> release(tp, track), window, TimeUnit.NANOSECONDS);
        }
        // a copy: a caller giving up (timeout, cancellation) must not cancel the record's outcome, which a resent request joins
        return durable.copy();
    }

    /**
     * Hands the waiting records of a partition to the engine, in offset order: every one whose reorder window has
     * passed, and every lower one (it cannot be written after a higher offset).
     */
    private void release(String tp, PartitionTrack track) {
        synchronized (track) {
            long now = System.nanoTime();
            long window = config.reorderWindow().toNanos();
            long through = -1;
            for (Map.Entry<Long, Waiting> entry : track.waiting.entrySet()) {
                if (now - entry.getValue().arrivedNanos() >= window) {
                    through = entry.getKey();
                }
            }
            if (through < 0) {
                return;
            }
            Map<Long, Waiting> ready = track.waiting.headMap(through, true);
            for (Waiting waiting : ready.values()) {
                CompletableFuture<Void> durable = waiting.durable();
                // in order: each submit queues on the single worker before the next one
                runtime.submit(List.of(waiting.record()), Map.of(tp, () -> durable.complete(null)))
                        .subscribe().with(buffered -> { }, durable::completeExceptionally);
            }
            track.submittedThrough = Math.max(track.submittedThrough, through);
            ready.clear();
        }
    }

    private ViewRecord read(KafkaSourceEvent event) {
        byte[] value = event.value();
        if (value[0] != 0) {
            throw new IllegalArgumentException("the value is not Apicurio Avro with the schema id in the payload (magic byte 0): "
                    + "a KafkaSource carries record headers as text only, so apicurio.registry.headers.enabled must be false");
        }
        GenericRecord decoded;
        try {
            decoded = deserializer.deserialize(event.topic(), new RecordHeaders(), value);
        } catch (RuntimeException e) {
            throw new Unreadable("cannot read the value of " + event.id() + " of " + event.topic() + ": " + e, e);
        }
        GenericRecord key = null;
        byte[] keyBytes = event.keyBytes();
        if (keyBytes != null && keyBytes.length > 0 && keyBytes[0] == 0) {
            try {
                key = deserializer.deserialize(event.topic(), new RecordHeaders(), keyBytes);
            } catch (RuntimeException e) {
                LOG.debugf("%s: key not readable as Avro (%s); the value's key is used", event.id(), e);
            }
        }
        try {
            return ViewRecord.of(runtime.settings().viewTopicPrefix(), event.topic(), event.partition(), event.offset(), key,
                    decoded, value.length, TraceHeaders.of(event.kafkaHeaders()));
        } catch (IllegalArgumentException e) {
            registry.counter("tributary.sink.records.invalid", "topic", event.topic()).increment();
            throw e;
        }
    }

    /**
     * Graceful shutdown (SIGTERM), first chance: Quarkus's pre-shutdown ({@code quarkus.shutdown.delay-enabled}), while
     * the HTTP server still writes answers. At {@link ShutdownEvent} it had closed HTTP/1.1 connections already, and
     * the waiting requests' 200s never left (over h2c they did).
     */
    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        stopGracefully();
    }

    /** Graceful shutdown, when no pre-shutdown ran (the delay disabled). */
    void onShutdown(@Observes ShutdownEvent event) {
        stopGracefully();
    }

    /** Refuse new requests, upload the open files so waiting requests are answered; once. */
    private void stopGracefully() {
        if (!config.enabled() || stopping.getAndSet(true)) {
            return;
        }
        int waiting;
        synchronized (partitions) {
            waiting = partitions.values().stream().mapToInt(t -> {
                synchronized (t) {
                    return t.inFlight.size();
                }
            }).sum();
        }
        LOG.infof("sink push mode stopping: uploading the open files of %d waiting requests", waiting);
        timer.shutdownNow();
        List<Map.Entry<String, PartitionTrack>> tracks;
        synchronized (partitions) {
            tracks = new java.util.ArrayList<>(partitions.entrySet());
        }
        for (Map.Entry<String, PartitionTrack> entry : tracks) {
            releaseAll(entry.getKey(), entry.getValue());
        }
        if (!runtime.flushAll(config.shutdownTimeout())) {
            failWaiting(new Stopping());
        }
    }

    private void releaseAll(String tp, PartitionTrack track) {
        synchronized (track) {
            for (Waiting waiting : track.waiting.values()) {
                CompletableFuture<Void> durable = waiting.durable();
                runtime.submit(List.of(waiting.record()), Map.of(tp, () -> durable.complete(null)))
                        .subscribe().with(buffered -> { }, durable::completeExceptionally);
                track.submittedThrough = Math.max(track.submittedThrough, waiting.record().offset());
            }
            track.waiting.clear();
        }
    }

    @PreDestroy
    void close() {
        timer.shutdownNow();
        failWaiting(new Stopping());
        deserializer.close();
    }

    private void failWaiting(RuntimeException why) {
        List<CompletableFuture<Void>> waiting = new java.util.ArrayList<>();
        synchronized (partitions) {
            for (PartitionTrack track : partitions.values()) {
                synchronized (track) {
                    waiting.addAll(track.inFlight.values());
                }
            }
        }
        waiting.forEach(f -> f.completeExceptionally(why));
    }

    /** A record held for the reorder window. */
    private record Waiting(ViewRecord record, CompletableFuture<Void> durable, long arrivedNanos) {
    }

    /** What was handed to the engine for one topic-partition. */
    private static final class PartitionTrack {
        private long submittedThrough = -1;
        private final TreeMap<Long, Waiting> waiting = new TreeMap<>();
        private final Map<Long, CompletableFuture<Void>> inFlight = new HashMap<>();
        private final LinkedHashSet<Long> durable = new LinkedHashSet<>();

        void remember(long offset, int max) {
            durable.add(offset);
            while (durable.size() > max) {
                Long oldest = durable.iterator().next();
                durable.remove(oldest);
            }
        }
    }

    /** The W3C trace context of the record, from its {@code traceparent} header (a {@code ce-kafkaheadertraceparent}). */
    static final class TraceHeaders {
        static io.opentelemetry.api.trace.SpanContext of(Map<String, String> kafkaHeaders) {
            String traceparent = kafkaHeaders.get("traceparent");
            if (traceparent == null) {
                return io.opentelemetry.api.trace.SpanContext.getInvalid();
            }
            RecordHeaders headers = new RecordHeaders();
            headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
            return io.tributary.sink.messaging.ViewConsumer.traceOf(headers);
        }
    }
}
