package io.tributary.processor.messaging;

import java.time.Duration;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.generic.GenericRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tributary.processor.config.ProcessorConfig;
import io.tributary.processor.dedupe.DedupeStore;
import io.tributary.processor.view.ReferenceUnavailableException;
import io.tributary.processor.view.TransformException;
import io.tributary.processor.view.ViewProcessor;
import io.tributary.processor.view.ViewRecord;
import io.tributary.processor.view.ViewResult;

/**
 * The Kafka adapter: change topics in, view topics (and the dead-letter topic) out. It only translates;
 * the per-change logic is {@link ViewProcessor#process}.
 *
 * <p>Per change, one at a time per consumer (so per key and per partition in order): decode → dedupe check
 * → process → publish each view record (a delete: the DELETE record, then a tombstone) and wait for Kafka's
 * acks → record the event id → ack the input. The throttled commit strategy commits an offset only once
 * every change before it is acked, so nothing is committed before its output is in Kafka. Bounded: one
 * change in flight per consumer ({@code mp.messaging.incoming.changes.concurrency} adds consumers), at most
 * {@code max.poll.records} read ahead.
 *
 * <p>Failures: a change that cannot be decoded or transformed goes to the dead-letter topic and is acked;
 * a transient failure (Redis, Kafka or the registry unavailable, reference table loading) is retried with
 * exponential back-off until it succeeds, so it is never dead-lettered or skipped.
 */
@ApplicationScoped
public class ChangeConsumer {

    /** The incoming channel of the change topics (subscribed by pattern). */
    public static final String CHANGES_CHANNEL = "changes";
    /** The outgoing channel of the view topics (topic set per record). */
    public static final String VIEWS_CHANNEL = "views";

    private static final Logger LOG = Logger.getLogger(ChangeConsumer.class);

    private final ViewProcessor processor;
    private final DedupeStore dedupe;
    private final DeadLetters deadLetters;
    private final MutinyEmitter<Record<GenericRecord, GenericRecord>> views;
    private final ProcessorMetrics metrics;
    private final AvroDecoder decoder;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    public ChangeConsumer(ViewProcessor processor, DedupeStore dedupe, DeadLetters deadLetters,
            @Channel(VIEWS_CHANNEL) MutinyEmitter<Record<GenericRecord, GenericRecord>> views, ProcessorMetrics metrics,
            AvroDecoder decoder, ProcessorConfig config) {
        this.processor = processor;
        this.dedupe = dedupe;
        this.deadLetters = deadLetters;
        this.views = views;
        this.metrics = metrics;
        this.decoder = decoder;
        this.initialBackoff = config.retry().initialBackoff();
        this.maxBackoff = config.retry().maxBackoff();
    }

    @Incoming(CHANGES_CHANNEL)
    public Uni<Void> consume(Message<byte[]> message) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordMetadata<byte[], byte[]> origin = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow();
        String topic = origin.getTopic();
        long start = System.nanoTime();
        metrics.in(topic);
        if (message.getPayload() == null) {
            return ack(message); // a tombstone on a change topic carries no change
        }
        return retrying(topic, "decode", () -> Uni.createFrom()
                .item(() -> decoder.value(topic, origin.getHeaders(), message.getPayload()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .onFailure().recoverWithUni(e -> deadLetter(origin, message, "deserialization", e).replaceWith((GenericRecord) null))
                .onItem().ifNotNull().transformToUni(change -> handle(origin, message, change))
                .onItem().transformToUni(x -> ack(message))
                .invoke(() -> metrics.processed(topic, start));
    }

    private Uni<Void> handle(IncomingKafkaRecordMetadata<byte[], byte[]> origin, Message<byte[]> message,
            GenericRecord change) {
        String topic = origin.getTopic();
        Object id = change.getSchema().getField("event_id") == null ? null : change.get("event_id");
        if (id == null) {
            return deadLetter(origin, message, "transformation: change has no event_id",
                    new TransformException("no event_id"));
        }
        String eventId = id.toString();
        long sourceTsMs = ProcessorMetrics.sourceTsMs(change);
        return retrying(topic, "dedupe-check", () -> dedupe.seen(topic, eventId)).chain(seen -> {
            if (seen) {
                metrics.duplicate(topic);
                return Uni.createFrom().voidItem();
            }
            return transform(topic, change)
                    .onItem().transformToUni(result -> publish(topic, result, sourceTsMs)
                            .chain(() -> retrying(topic, "dedupe-record", () -> dedupe.record(topic, eventId))))
                    .onFailure(e -> !(e instanceof PublishFailure)).recoverWithUni(e -> deadLetter(origin, message,
                            "transformation: " + (e instanceof TransformException
                                    ? e.getMessage() : "failed"), e))
                    .onFailure(PublishFailure.class).recoverWithUni(e -> deadLetter(origin, message,
                            "transformation: view record cannot be serialized", e.getCause()));
        });
    }

    private Uni<ViewResult> transform(String topic, GenericRecord change) {
        return Uni.createFrom().deferred(() -> processor.process(topic, change))
                .onFailure(ReferenceUnavailableException.class).invoke(e -> metrics.retried("reference", topic))
                .onFailure(ReferenceUnavailableException.class).retry().withBackOff(initialBackoff, maxBackoff)
                .indefinitely();
    }

    private Uni<Void> publish(String topic, ViewResult result, long sourceTsMs) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ViewRecord record : result.records()) {
            chain = chain.chain(() -> send(topic, record, record.value()))
                    .chain(() -> record.tombstone() ? send(topic, record, null) : Uni.createFrom().voidItem())
                    .invoke(() -> metrics.out(topic, record.view(), sourceTsMs));
        }
        return chain;
    }

    private Uni<Void> send(String topic, ViewRecord record, GenericRecord value) {
        OutgoingKafkaRecordMetadata<GenericRecord> metadata = OutgoingKafkaRecordMetadata.<GenericRecord> builder()
                .withTopic(record.topic()).build();
        return Uni.createFrom().deferred(() -> views.sendMessage(
                Message.of(Record.of(record.key(), value)).addMetadata(metadata)))
                .onFailure(Failures::isRecordFault).transform(PublishFailure::new)
                .onFailure(e -> !(e instanceof PublishFailure)).invoke(e -> {
                    metrics.retried("publish", topic);
                    LOG.warnf("publishing to %s failed, retrying: %s", record.topic(), e.getClass().getName());
                })
                .onFailure(e -> !(e instanceof PublishFailure)).retry().withBackOff(initialBackoff, maxBackoff)
                .indefinitely();
    }

    private Uni<Void> deadLetter(IncomingKafkaRecordMetadata<byte[], byte[]> origin, Message<byte[]> message,
            String reason, Throwable failure) {
        LOG.warnf("dead-lettering %s-%d@%d: %s (%s)", origin.getTopic(), origin.getPartition(), origin.getOffset(),
                reason, failure.getClass().getName());
        return retrying(origin.getTopic(), "dead-letter", () -> deadLetters.send(origin, origin.getKey(), message.getPayload(), reason,
                failure))
                .invoke(() -> metrics.deadLettered(origin.getTopic(), reason.startsWith("deserialization")
                        ? "deserialization" : "transformation"));
    }

    /**
     * {@code action}, retried with back-off as long as it fails transiently; for steps that only fail when
     * a service is down (Redis, the dead-letter send), every failure is transient.
     */
    private <T> Uni<T> retrying(String topic, String step, Supplier<Uni<T>> action) {
        boolean alwaysTransient = !step.equals("decode");
        return Uni.createFrom().<T> deferred(action::get)
                .onFailure(e -> alwaysTransient || Failures.isTransient(e)).invoke(e -> {
                    metrics.retried(step, topic);
                    LOG.warnf("%s failed, retrying: %s", step, e.getClass().getName());
                })
                .onFailure(e -> alwaysTransient || Failures.isTransient(e)).retry()
                .withBackOff(initialBackoff, maxBackoff).indefinitely();
    }

    private static Uni<Void> ack(Message<?> message) {
        return Uni.createFrom().completionStage(message::ack);
    }

    /** A view record Kafka refused for what it is (not serializable), not because the broker is away. */
    private static final class PublishFailure extends RuntimeException {
        PublishFailure(Throwable cause) {
            super(cause.getClass().getName(), cause, false, false);
        }
    }
}
