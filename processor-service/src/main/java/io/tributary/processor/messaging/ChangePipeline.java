package io.tributary.processor.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tributary.logging.ChangeLog;
import io.tributary.processor.config.ProcessorConfig;
import io.tributary.processor.dedupe.DedupeStore;
import io.tributary.processor.view.ReferenceUnavailableException;
import io.tributary.processor.view.TransformException;
import io.tributary.processor.view.ViewProcessor;
import io.tributary.processor.view.ViewRecord;
import io.tributary.processor.view.ViewResult;
import io.tributary.support.KafkaTraceHeaders;
import io.vertx.core.Vertx;

/**
 * What happens to a batch of change records, whichever transport delivered it ({@link ChangeConsumer}: one
 * consumed poll; {@code push.KafkaSourceResource}: one CloudEvent, a batch of one): decode → dedupe check
 * (one Redis round trip for the batch) → process each change in order → publish every view record of the
 * batch without waiting in between (a delete: the DELETE record, then a tombstone), then wait for all of
 * Kafka's acks → record the published event ids (one Redis round trip) → dead-letter what failed. The
 * returned {@code Uni} completes only when every change of the batch is durably handled (see
 * {@link ChangeOutcome}); the transport then acks them (commits the offsets, or answers 2xx).
 *
 * <p>Order: view records are handed to the producer in input order, and the producer keeps the order of a
 * partition ({@code enable.idempotence=true}, at most 5 requests in flight). A send that fails transiently
 * is not retried on its own (that would put it behind later records of its key): every view record from the
 * first failed one on is sent again, in order, one at a time. Changes are not reordered; a duplicate event id
 * within a batch is published once.
 *
 * <p>Failures: a change that cannot be decoded or transformed goes to the dead-letter topic (the outcome is
 * {@link ChangeOutcome#DEAD_LETTERED}; its neighbours in the batch go on); a transient failure (Redis, Kafka or
 * the registry unavailable, reference table loading) is retried with exponential back-off for as long as the
 * caller subscribes — the Kafka adapter forever, the HTTP adapter within its request budget — so it is never
 * dead-lettered or skipped.
 *
 * <p>Tracing (only when the OpenTelemetry SDK is enabled): per change, a {@code process <topic>} span whose
 * parent is the record's W3C {@code traceparent} header (written by the capture-service), with
 * {@code dedupe} and {@code transform} children, and per view record a PRODUCER span
 * {@code publish <view topic>} whose context is written into the view record's {@code traceparent} header,
 * so the sink continues the change's trace. With the SDK disabled nothing is read or written.
 */
@ApplicationScoped
public class ChangePipeline {

    /** The outgoing channel of the view topics (topic set per record). */
    public static final String VIEWS_CHANNEL = "views";

    /** Instrumentation scope of the processor spans. */
    public static final String TRACER_NAME = "io.tributary.processor";

    private static final Logger LOG = Logger.getLogger(ChangePipeline.class);
    private static final String NOT_SERIALIZABLE = "transformation: view record cannot be serialized";

    private final ViewProcessor processor;
    private final DedupeStore dedupe;
    private final DeadLetters deadLetters;
    private final Emitter<Record<GenericRecord, GenericRecord>> views;
    private final ProcessorMetrics metrics;
    private final AvroDecoder decoder;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Tracer tracer;
    private final boolean tracing;

    /**
     * @param views the view channel; a whole batch of view records is emitted at once (bounded by
     *        {@code max.poll.records} × views per change × 2 per consumer), so the emitter buffers whatever the
     *        Kafka sink has not requested yet ({@code max-inflight-messages}). A plain {@link Emitter}, not a
     *        {@code MutinyEmitter}: each record's ack or nack settles a future directly, without a {@code Uni}
     *        and a hop back to the event loop per record (see {@link #emit})
     */
    public ChangePipeline(ViewProcessor processor, DedupeStore dedupe, DeadLetters deadLetters,
            @Channel(VIEWS_CHANNEL) @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) Emitter<Record<GenericRecord, GenericRecord>> views,
            ProcessorMetrics metrics, AvroDecoder decoder, ProcessorConfig config, OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        this.tracing = !sdkDisabled;
        this.tracer = (sdkDisabled ? OpenTelemetry.noop() : openTelemetry).getTracer(TRACER_NAME);
        this.processor = processor;
        this.dedupe = dedupe;
        this.deadLetters = deadLetters;
        this.views = views;
        this.metrics = metrics;
        this.decoder = decoder;
        this.initialBackoff = config.retry().initialBackoff();
        this.maxBackoff = config.retry().maxBackoff();
    }

    /** {@link #handleAll} for one change record. */
    public Uni<ChangeOutcome> handle(ChangeRecord record) {
        return handleAll(List.of(record)).map(outcomes -> outcomes.get(0));
    }

    /**
     * Handles a batch of change records; completes with their outcomes, in order, when every one of them is
     * durably handled. Transient failures are retried as long as the caller stays subscribed: cancel (e.g. a
     * timeout) to give up, and the batch was then not handled (some view records may be published; no event id
     * of a change still in progress is recorded).
     */
    public Uni<List<ChangeOutcome>> handleAll(List<ChangeRecord> records) {
        return Uni.createFrom().deferred(() -> {
            List<Item> items = new ArrayList<>(records.size());
            for (ChangeRecord record : records) {
                metrics.in(record.topic());
                items.add(new Item(items.size(), record, System.nanoTime()));
            }
            return decode(items)
                    .chain(() -> checkDuplicates(items))
                    .chain(() -> transform(items))
                    .chain(() -> publish(items))
                    .chain(() -> recordPublished(items))
                    .chain(() -> deadLetter(items))
                    .map(x -> finish(items))
                    .onCancellation().invoke(() -> items.forEach(item -> {
                        item.dedupe.end();
                        item.process.end();
                    }));
        });
    }

    /** One change of a batch, as it goes through the steps. */
    private static final class Item {
        final int index;
        final ChangeRecord record;
        final long start;
        GenericRecord change;
        String eventId;
        long sourceTsMs;
        Context trace = Context.root();
        Span process = Span.getInvalid();
        Span dedupe = Span.getInvalid();
        ViewResult result;
        Item duplicateOf;
        ChangeOutcome outcome;
        String deadLetterReason;
        Throwable deadLetterFailure;

        Item(int index, ChangeRecord record, long start) {
            this.index = index;
            this.record = record;
            this.start = start;
        }

        String topic() {
            return record.topic();
        }

        /** Still on its way to be published: not decided yet. */
        boolean pending() {
            return outcome == null && deadLetterReason == null;
        }

        void deadLetter(String reason, Throwable failure) {
            deadLetterReason = reason;
            deadLetterFailure = failure;
        }

        DedupeStore.Event event() {
            return new DedupeStore.Event(record.topic(), eventId);
        }
    }

    /** One view record (or the tombstone after a delete's record) of a change, on its way to Kafka. */
    private record Send(Item item, ViewRecord view, GenericRecord value, Span span, CompletableFuture<Throwable> settled) {
    }

    // --- steps ---------------------------------------------------------------------------------------

    /** Decodes every record (off the event loop: a registry lookup blocks); tombstones and poison are decided. */
    private Uni<Void> decode(List<Item> items) {
        Set<String> topics = topics(items);
        return retrying(topics, "decode", () -> Uni.createFrom().item(() -> {
            for (Item item : items) {
                if (item.change != null || item.outcome != null || item.deadLetterReason != null) {
                    continue; // decided in an earlier attempt
                }
                if (item.record.value() == null) {
                    item.outcome = ChangeOutcome.TOMBSTONE;
                    continue;
                }
                try {
                    item.change = decoder.value(item.topic(), item.record.headers(), item.record.value());
                } catch (RuntimeException e) {
                    if (Failures.isTransient(e)) {
                        throw e; // the registry is away: the whole step is retried, decoded records are kept
                    }
                    item.deadLetter("deserialization", e);
                    continue;
                }
                Object id = item.change.getSchema().getField("event_id") == null ? null : item.change.get("event_id");
                if (id == null) {
                    item.deadLetter("transformation: change has no event_id", new TransformException("no event_id"));
                    continue;
                }
                item.eventId = id.toString();
                item.sourceTsMs = ProcessorMetrics.sourceTsMs(item.change);
                Context parent = parentContext(item.record);
                item.process = span("process " + item.topic(), parent, item.eventId).startSpan();
                item.trace = parent.with(item.process);
                item.dedupe = span("dedupe", item.trace, item.eventId).startSpan();
            }
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())).replaceWithVoid();
    }

    /** One dedupe look-up for the batch; changes already published are dropped. */
    private Uni<Void> checkDuplicates(List<Item> items) {
        List<Item> pending = items.stream().filter(Item::pending).toList();
        if (pending.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return retrying(topics(pending), "dedupe-check", () -> dedupe.seen(pending.stream().map(Item::event).toList()))
                .invoke(seen -> {
                    for (int i = 0; i < pending.size(); i++) {
                        Item item = pending.get(i);
                        item.dedupe.setAttribute("tributary.duplicate", seen.get(i));
                        item.dedupe.end();
                        if (seen.get(i)) {
                            metrics.duplicate(item.topic());
                            item.outcome = ChangeOutcome.DUPLICATE;
                        }
                    }
                }).replaceWithVoid();
    }

    /**
     * Turns each change, in order, into its view records. The second copy of an event id in the batch is not
     * processed: it is decided with its first copy (published once, or dead-lettered alike).
     *
     * <p>Each change is transformed directly, on this thread, as long as that works; once one has to wait (for
     * reference data) or fails, every change after it waits for it to be decided.
     */
    private Uni<Void> transform(List<Item> items) {
        Map<DedupeStore.Event, Item> firsts = new HashMap<>();
        List<Item> work = new ArrayList<>();
        for (Item item : items) {
            if (!item.pending()) {
                continue;
            }
            Item first = firsts.putIfAbsent(item.event(), item);
            if (first != null) {
                item.duplicateOf = first;
            } else {
                work.add(item);
            }
        }
        for (int i = 0; i < work.size(); i++) {
            Uni<Void> waiting = transformNow(work.get(i));
            if (waiting != null) {
                List<Item> rest = work.subList(i + 1, work.size());
                return waiting.chain(() -> Multi.createFrom().iterable(rest)
                        .onItem().transformToUniAndConcatenate(this::transformOne)
                        .collect().last()).replaceWithVoid();
            }
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * Transforms one change directly ({@link ViewProcessor#transform}): null when done. When that fails (a
     * reference table still loading, a reference row missing under {@code on-missing=retry}, or a failure), the
     * change goes through {@link ViewProcessor#process}, which waits, is retried or fails for good: returns
     * that wait, which ends with the change transformed or marked for the dead-letter topic, never failed.
     */
    private Uni<Void> transformNow(Item item) {
        Span span = span("transform", item.trace, item.eventId).startSpan();
        try {
            item.result = processor.transform(item.topic(), item.change);
        } catch (RuntimeException e) {
            return process(item, span);
        }
        span.end();
        return null;
    }

    /** {@link #transformNow}, done at once or when the change is decided. */
    private Uni<Void> transformOne(Item item) {
        Uni<Void> waiting = transformNow(item);
        return waiting == null ? Uni.createFrom().voidItem() : waiting;
    }

    private Uni<Void> process(Item item, Span span) {
        return Uni.createFrom().deferred(() -> processor.process(item.topic(), item.change))
                .onFailure(ReferenceUnavailableException.class).invoke(e -> metrics.retried("reference", item.topic()))
                .onFailure(ReferenceUnavailableException.class).retry().withBackOff(initialBackoff, maxBackoff)
                .indefinitely()
                .invoke(result -> item.result = result)
                .onFailure().invoke(e -> {
                    item.deadLetter("transformation: " + (e instanceof TransformException
                            ? e.getMessage() : "failed"), e);
                    fail(span, e);
                })
                .onFailure().recoverWithNull()
                .onTermination().invoke(span::end)
                .replaceWithVoid();
    }

    /**
     * Hands every view record of the batch to the producer, in order, then waits for all acks. What failed for
     * what it is (not serializable) dead-letters its change; what failed transiently is sent again, with
     * every record after it, one at a time.
     */
    private Uni<Void> publish(List<Item> items) {
        List<Send> sends = new ArrayList<>();
        for (Item item : items) {
            if (item.result == null || item.deadLetterReason != null) {
                continue;
            }
            for (ViewRecord view : item.result.records()) {
                sends.add(send(item, view, view.value()));
                if (view.tombstone()) {
                    sends.add(send(item, view, null));
                }
            }
        }
        if (sends.isEmpty()) {
            return Uni.createFrom().voidItem().invoke(() -> published(items));
        }
        Executor caller = caller();
        return Uni.createFrom().completionStage(CompletableFuture.allOf(sends.stream().map(Send::settled)
                .toArray(CompletableFuture[]::new)))
                .emitOn(caller)
                .chain(() -> {
                    int firstTransient = -1;
                    for (int i = 0; i < sends.size(); i++) {
                        Send send = sends.get(i);
                        Throwable failure = send.settled().join();
                        if (failure == null) {
                            send.span().end();
                            continue;
                        }
                        fail(send.span(), failure);
                        send.span().end();
                        if (Failures.isRecordFault(failure)) {
                            if (send.item().deadLetterReason == null) {
                                send.item().deadLetter(NOT_SERIALIZABLE, failure);
                            }
                        } else {
                            metrics.retried("publish", send.item().topic());
                            logRetry(send.item(), send.view(), failure);
                            if (firstTransient < 0) {
                                firstTransient = i;
                            }
                        }
                    }
                    if (firstTransient < 0) {
                        return Uni.createFrom().voidItem();
                    }
                    return Multi.createFrom().iterable(sends.subList(firstTransient, sends.size()))
                            .filter(send -> send.item().deadLetterReason == null)
                            .onItem().transformToUniAndConcatenate(send -> resend(send.item(), send.view(), send.value(), caller))
                            .collect().last().replaceWithVoid();
                })
                .invoke(() -> published(items));
    }

    /** The changes whose view records are all acked: published; their records count as out. */
    private void published(List<Item> items) {
        for (Item item : items) {
            if (item.result != null && item.deadLetterReason == null) {
                item.outcome = ChangeOutcome.PUBLISHED;
                for (ViewRecord view : item.result.records()) {
                    metrics.out(item.topic(), view.view(), item.sourceTsMs);
                }
            }
        }
        for (Item item : items) {
            if (item.duplicateOf == null) {
                continue;
            }
            if (item.duplicateOf.outcome == ChangeOutcome.PUBLISHED) {
                metrics.duplicate(item.topic());
                item.outcome = ChangeOutcome.DUPLICATE;
            } else {
                item.deadLetter(item.duplicateOf.deadLetterReason, item.duplicateOf.deadLetterFailure);
            }
        }
    }

    /** One round trip records every published event id: only now, after Kafka acked their view records. */
    private Uni<Void> recordPublished(List<Item> items) {
        List<Item> published = items.stream()
                .filter(i -> i.outcome == ChangeOutcome.PUBLISHED && i.duplicateOf == null).toList();
        if (published.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return retrying(topics(published), "dedupe-record",
                () -> dedupe.record(published.stream().map(Item::event).toList()));
    }

    /** The failed changes go to the dead-letter topic, in input order, each acked before the next. */
    private Uni<Void> deadLetter(List<Item> items) {
        List<Item> failed = items.stream().filter(i -> i.deadLetterReason != null)
                .sorted(Comparator.comparingInt(i -> i.index)).toList();
        if (failed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(failed)
                .onItem().transformToUniAndConcatenate(item -> deadLetter(item.record, item.change, item.deadLetterReason,
                        item.deadLetterFailure, item.eventId, item.trace).invoke(outcome -> item.outcome = outcome))
                .collect().last().replaceWithVoid();
    }

    private List<ChangeOutcome> finish(List<Item> items) {
        List<ChangeOutcome> outcomes = new ArrayList<>(items.size());
        for (Item item : items) {
            item.process.end();
            if (item.outcome != ChangeOutcome.TOMBSTONE) {
                metrics.processed(item.topic(), item.start);
            }
            outcomes.add(item.outcome);
        }
        return outcomes;
    }

    // --- sending -------------------------------------------------------------------------------------

    /** Hands one view record to the producer now (the emitter keeps the order of calls); acked later. */
    private Send send(Item item, ViewRecord view, GenericRecord value) {
        Span span = publishSpan(item, view);
        return new Send(item, view, value, span, emit(message(item, view, value, span)));
    }

    /**
     * Hands one message to the producer now; the future settles with null once Kafka acked it, or with the
     * failure (its nack, or the emitter's refusal). It settles on the thread that acked it.
     */
    private CompletableFuture<Throwable> emit(Message<Record<GenericRecord, GenericRecord>> message) {
        CompletableFuture<Throwable> settled = new CompletableFuture<>();
        try {
            views.send(message.withAck(() -> {
                settled.complete(null);
                return CompletableFuture.completedFuture(null);
            }).withNack(failure -> {
                settled.complete(failure);
                return CompletableFuture.completedFuture(null);
            }));
        } catch (RuntimeException e) {
            settled.complete(e);
        }
        return settled;
    }

    /**
     * Where the batch goes on once its records are settled: on the caller's Vert.x context (the event loop it
     * runs on) when there is one, as a {@code MutinyEmitter} would; otherwise on the thread that settled them.
     */
    private static Executor caller() {
        io.vertx.core.Context context = Vertx.currentContext();
        return context == null ? Runnable::run : task -> context.runOnContext(x -> task.run());
    }

    /** One view record sent again, alone, retried until acked (or refused for what it is: dead-letter). */
    private Uni<Void> resend(Item item, ViewRecord view, GenericRecord value, Executor caller) {
        return Uni.createFrom().deferred(() -> {
            Span span = publishSpan(item, view);
            return Uni.createFrom().completionStage(emit(message(item, view, value, span))).emitOn(caller)
                    .chain(failure -> failure == null ? Uni.createFrom().voidItem() : Uni.createFrom().<Void> failure(failure))
                    .onTermination().invoke((x, failure, cancelled) -> {
                        if (failure != null) {
                            fail(span, failure);
                        }
                        span.end();
                    });
        })
                .onFailure(Failures::isRecordFault).transform(PublishFailure::new)
                .onFailure(e -> !(e instanceof PublishFailure)).invoke(e -> {
                    metrics.retried("publish", item.topic());
                    logRetry(item, view, e);
                })
                .onFailure(e -> !(e instanceof PublishFailure)).retry().withBackOff(initialBackoff, maxBackoff)
                .indefinitely()
                .onFailure(PublishFailure.class).recoverWithUni(e -> {
                    item.deadLetter(NOT_SERIALIZABLE, e.getCause());
                    return Uni.createFrom().voidItem();
                });
    }

    private Span publishSpan(Item item, ViewRecord view) {
        return tracer.spanBuilder("publish " + view.topic()).setParent(item.trace).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", view.topic())
                .startSpan();
    }

    private Message<Record<GenericRecord, GenericRecord>> message(Item item, ViewRecord view, GenericRecord value,
            Span span) {
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<GenericRecord> metadata =
                OutgoingKafkaRecordMetadata.<GenericRecord> builder().withTopic(view.topic());
        if (span.getSpanContext().isValid()) {
            Headers headers = new RecordHeaders();
            KafkaTraceHeaders.inject(item.trace.with(span), headers);
            metadata = metadata.withHeaders(headers);
        }
        return Message.of(Record.of(view.key(), value)).addMetadata(metadata.build());
    }

    private void logRetry(Item item, ViewRecord view, Throwable failure) {
        try (ChangeLog change = ChangeLog.of(item.eventId, Span.fromContext(item.trace).getSpanContext())) {
            LOG.warnf("publishing to %s failed, retrying: %s", view.topic(), failure.getClass().getName());
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** The change's trace context, from its {@code traceparent} header (none when tracing is off or absent). */
    private Context parentContext(ChangeRecord record) {
        if (!tracing || record.headers() == null) {
            return Context.root();
        }
        return KafkaTraceHeaders.extract(record.headers());
    }

    private SpanBuilder span(String name, Context parent, String eventId) {
        return tracer.spanBuilder(name).setParent(parent).setAttribute("tributary.event_id", eventId);
    }

    private static void fail(Span span, Throwable failure) {
        span.recordException(failure);
        span.setStatus(StatusCode.ERROR);
    }

    private static Set<String> topics(List<Item> items) {
        Set<String> topics = new LinkedHashSet<>();
        items.forEach(i -> topics.add(i.topic()));
        return topics;
    }

    private Uni<ChangeOutcome> deadLetter(ChangeRecord record, GenericRecord decoded, String reason, Throwable failure,
            String eventId, Context trace) {
        try (ChangeLog change = ChangeLog.of(eventId, Span.fromContext(trace).getSpanContext())) {
            LOG.warnf("dead-lettering %s-%d@%d (event %s): %s (%s)", record.topic(), record.partition(), record.offset(),
                    eventId, reason, failure.getClass().getName());
        }
        return retrying(Set.of(record.topic()), "dead-letter", () -> deadLetters.send(record, decoded, reason, failure))
                .invoke(() -> metrics.deadLettered(record.topic(), reason.startsWith("deserialization")
                        ? "deserialization" : "transformation"))
                .replaceWith(ChangeOutcome.DEAD_LETTERED);
    }

    /**
     * {@code action}, retried with back-off as long as it fails transiently; for steps that only fail when
     * a service is down (Redis, the dead-letter send), every failure is transient. A retry counts once for
     * each table of the batch.
     */
    private <T> Uni<T> retrying(Set<String> topics, String step, Supplier<Uni<T>> action) {
        boolean alwaysTransient = !step.equals("decode");
        return Uni.createFrom().<T> deferred(action::get)
                .onFailure(e -> alwaysTransient || Failures.isTransient(e)).invoke(e -> {
                    topics.forEach(topic -> metrics.retried(step, topic));
                    LOG.warnf("%s failed for a batch of %s, retrying: %s", step, topics, e.getClass().getName());
                })
                .onFailure(e -> alwaysTransient || Failures.isTransient(e)).retry()
                .withBackOff(initialBackoff, maxBackoff).indefinitely();
    }

    /** A view record Kafka refused for what it is (not serializable), not because the broker is away. */
    private static final class PublishFailure extends RuntimeException {
        PublishFailure(Throwable cause) {
            super(cause.getClass().getName(), cause, false, false);
        }
    }
}
