package io.tributary.processor.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.MutinyEmitter;
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

/**
 * What happens to one change record, whichever transport delivered it ({@link ChangeConsumer} for Kafka,
 * {@code push.KafkaSourceResource} for CloudEvents over HTTP): decode → dedupe check → process → publish
 * each view record (a delete: the DELETE record, then a tombstone) and wait for Kafka's acks → record the
 * event id. The returned {@code Uni} completes only when the change is durably handled (see
 * {@link ChangeOutcome}); the transport then acks it (commits the offset, or answers 2xx).
 *
 * <p>Failures: a change that cannot be decoded or transformed goes to the dead-letter topic (the outcome is
 * {@link ChangeOutcome#DEAD_LETTERED}); a transient failure (Redis, Kafka or the registry unavailable,
 * reference table loading) is retried with exponential back-off for as long as the caller subscribes — the
 * Kafka adapter forever, the HTTP adapter within its request budget — so it is never dead-lettered or skipped.
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
    private static final TextMapSetter<Headers> HEADER_SETTER = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };
    private static final TextMapGetter<Headers> HEADER_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            return StreamSupport.stream(headers.spliterator(), false).map(Header::key).toList();
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private final ViewProcessor processor;
    private final DedupeStore dedupe;
    private final DeadLetters deadLetters;
    private final MutinyEmitter<Record<GenericRecord, GenericRecord>> views;
    private final ProcessorMetrics metrics;
    private final AvroDecoder decoder;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Tracer tracer;
    private final boolean tracing;

    public ChangePipeline(ViewProcessor processor, DedupeStore dedupe, DeadLetters deadLetters,
            @Channel(VIEWS_CHANNEL) MutinyEmitter<Record<GenericRecord, GenericRecord>> views, ProcessorMetrics metrics,
            AvroDecoder decoder, ProcessorConfig config, OpenTelemetry openTelemetry,
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

    /**
     * Handles one change record; completes when it is durably handled. Transient failures are retried as long
     * as the caller stays subscribed: cancel (e.g. a timeout) to give up, and the change was then not handled
     * (its view records may or may not be published; the event id is not recorded).
     */
    public Uni<ChangeOutcome> handle(ChangeRecord record) {
        return Uni.createFrom().deferred(() -> {
            String topic = record.topic();
            long start = System.nanoTime();
            metrics.in(topic);
            if (record.value() == null) {
                return Uni.createFrom().item(ChangeOutcome.TOMBSTONE);
            }
            return retrying(topic, "decode", () -> Uni.createFrom()
                    .item(() -> decoder.value(topic, record.headers(), record.value()))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                    .onFailure().recoverWithUni(e -> deadLetter(record, "deserialization", e).replaceWith((GenericRecord) null))
                    .onItem().transformToUni(change -> change == null ? Uni.createFrom().item(ChangeOutcome.DEAD_LETTERED)
                            : handle(record, change, parentContext(record)))
                    .invoke(() -> metrics.processed(topic, start));
        });
    }

    private Uni<ChangeOutcome> handle(ChangeRecord record, GenericRecord change, Context parent) {
        String topic = record.topic();
        Object id = change.getSchema().getField("event_id") == null ? null : change.get("event_id");
        if (id == null) {
            return deadLetter(record, "transformation: change has no event_id", new TransformException("no event_id"));
        }
        String eventId = id.toString();
        long sourceTsMs = ProcessorMetrics.sourceTsMs(change);
        return traced("process " + topic, parent, eventId, trace -> traced("dedupe", trace, eventId,
                dedupeTrace -> retrying(topic, "dedupe-check", eventId, dedupeTrace, () -> dedupe.seen(topic, eventId))
                        .invoke(seen -> Span.fromContext(dedupeTrace).setAttribute("tributary.duplicate", seen)))
                .chain(seen -> {
                    if (seen) {
                        metrics.duplicate(topic);
                        return Uni.createFrom().item(ChangeOutcome.DUPLICATE);
                    }
                    return traced("transform", trace, eventId, t -> transform(topic, change))
                            .onItem().transformToUni(result -> publish(topic, result, sourceTsMs, trace)
                                    .chain(() -> retrying(topic, "dedupe-record", eventId, trace, () -> dedupe.record(topic, eventId))))
                            .replaceWith(ChangeOutcome.PUBLISHED)
                            .onFailure(e -> !(e instanceof PublishFailure)).recoverWithUni(e -> deadLetter(record,
                                    "transformation: " + (e instanceof TransformException
                                            ? e.getMessage() : "failed"), e, eventId, trace))
                            .onFailure(PublishFailure.class).recoverWithUni(e -> deadLetter(record,
                                    "transformation: view record cannot be serialized", e.getCause(), eventId, trace));
                }));
    }

    /** The change's trace context, from its {@code traceparent} header (none when tracing is off or absent). */
    private Context parentContext(ChangeRecord record) {
        if (!tracing || record.headers() == null) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), record.headers(), HEADER_GETTER);
    }

    /** {@code work} inside a span named {@code name}, child of {@code parent}, ended when the work terminates. */
    private <T> Uni<T> traced(String name, Context parent, String eventId, Function<Context, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            Span span = tracer.spanBuilder(name).setParent(parent).setAttribute("tributary.event_id", eventId).startSpan();
            return work.apply(parent.with(span)).onTermination().invoke((item, failure, cancelled) -> {
                if (failure != null) {
                    span.recordException(failure);
                    span.setStatus(StatusCode.ERROR);
                }
                span.end();
            });
        });
    }

    private Uni<ViewResult> transform(String topic, GenericRecord change) {
        return Uni.createFrom().deferred(() -> processor.process(topic, change))
                .onFailure(ReferenceUnavailableException.class).invoke(e -> metrics.retried("reference", topic))
                .onFailure(ReferenceUnavailableException.class).retry().withBackOff(initialBackoff, maxBackoff)
                .indefinitely();
    }

    private Uni<Void> publish(String topic, ViewResult result, long sourceTsMs, Context trace) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ViewRecord record : result.records()) {
            chain = chain.chain(() -> send(topic, result.eventId(), record, record.value(), trace))
                    .chain(() -> record.tombstone() ? send(topic, result.eventId(), record, null, trace) : Uni.createFrom().voidItem())
                    .invoke(() -> metrics.out(topic, record.view(), sourceTsMs));
        }
        return chain;
    }

    private Uni<Void> send(String topic, String eventId, ViewRecord record, GenericRecord value, Context trace) {
        return Uni.createFrom().deferred(() -> {
            Span span = tracer.spanBuilder("publish " + record.topic()).setParent(trace).setSpanKind(SpanKind.PRODUCER)
                    .setAttribute("messaging.system", "kafka")
                    .setAttribute("messaging.destination.name", record.topic())
                    .startSpan();
            OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<GenericRecord> metadata =
                    OutgoingKafkaRecordMetadata.<GenericRecord> builder().withTopic(record.topic());
            if (span.getSpanContext().isValid()) {
                Headers headers = new RecordHeaders();
                W3CTraceContextPropagator.getInstance().inject(trace.with(span), headers, HEADER_SETTER);
                metadata = metadata.withHeaders(headers);
            }
            return views.sendMessage(Message.of(Record.of(record.key(), value)).addMetadata(metadata.build()))
                    .onTermination().invoke((x, failure, cancelled) -> {
                        if (failure != null) {
                            span.recordException(failure);
                            span.setStatus(StatusCode.ERROR);
                        }
                        span.end();
                    });
        })
                .onFailure(Failures::isRecordFault).transform(PublishFailure::new)
                .onFailure(e -> !(e instanceof PublishFailure)).invoke(e -> {
                    metrics.retried("publish", topic);
                    try (ChangeLog change = ChangeLog.of(eventId, Span.fromContext(trace).getSpanContext())) {
                        LOG.warnf("publishing to %s failed, retrying: %s", record.topic(), e.getClass().getName());
                    }
                })
                .onFailure(e -> !(e instanceof PublishFailure)).retry().withBackOff(initialBackoff, maxBackoff)
                .indefinitely();
    }

    private Uni<ChangeOutcome> deadLetter(ChangeRecord record, String reason, Throwable failure) {
        return deadLetter(record, reason, failure, null, Context.root());
    }

    private Uni<ChangeOutcome> deadLetter(ChangeRecord record, String reason, Throwable failure, String eventId,
            Context trace) {
        try (ChangeLog change = ChangeLog.of(eventId, Span.fromContext(trace).getSpanContext())) {
            LOG.warnf("dead-lettering %s-%d@%d (event %s): %s (%s)", record.topic(), record.partition(), record.offset(),
                    eventId, reason, failure.getClass().getName());
        }
        return retrying(record.topic(), "dead-letter", () -> deadLetters.send(record, reason, failure))
                .invoke(() -> metrics.deadLettered(record.topic(), reason.startsWith("deserialization")
                        ? "deserialization" : "transformation"))
                .replaceWith(ChangeOutcome.DEAD_LETTERED);
    }

    /**
     * {@code action}, retried with back-off as long as it fails transiently; for steps that only fail when
     * a service is down (Redis, the dead-letter send), every failure is transient.
     */
    private <T> Uni<T> retrying(String topic, String step, Supplier<Uni<T>> action) {
        return retrying(topic, step, null, Context.root(), action);
    }

    /** {@link #retrying(String, String, Supplier)} for a step of one change: its log lines name the change. */
    private <T> Uni<T> retrying(String topic, String step, String eventId, Context trace, Supplier<Uni<T>> action) {
        boolean alwaysTransient = !step.equals("decode");
        return Uni.createFrom().<T> deferred(action::get)
                .onFailure(e -> alwaysTransient || Failures.isTransient(e)).invoke(e -> {
                    metrics.retried(step, topic);
                    try (ChangeLog change = ChangeLog.of(eventId, Span.fromContext(trace).getSpanContext())) {
                        LOG.warnf("%s failed, retrying: %s", step, e.getClass().getName());
                    }
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
