package io.tributary.processor.messaging;

import java.nio.charset.StandardCharsets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tributary.processor.view.ViewProcessor;

/**
 * Publishes a failed change to the dead-letter topic with headers saying why and where it came from: its key and
 * value as they were read, except that columns a view masks are masked in it ({@link DeadLetterMasking}). The
 * returned {@code Uni} completes when Kafka acked it.
 */
@ApplicationScoped
public class DeadLetters {

    /** The outgoing channel of the dead-letter topic. */
    public static final String CHANNEL = "dead-letter";

    /** Header: what failed, {@code deserialization} or {@code transformation}, and a message without values. */
    public static final String REASON = "dlq.reason";
    /** Header: the topic the change was read from. */
    public static final String TOPIC = "dlq.original.topic";
    /** Header: its partition (decimal). */
    public static final String PARTITION = "dlq.original.partition";
    /** Header: its offset (decimal). */
    public static final String OFFSET = "dlq.original.offset";
    /** Header: the class name of the exception. */
    public static final String EXCEPTION = "dlq.exception.class";
    /** Header: the columns masked in the value (comma-separated), present only when some were. */
    public static final String MASKED = "dlq.masked.columns";
    /** Header: {@code withheld} when the value holds masked columns that could not be masked, so none is sent. */
    public static final String VALUE = "dlq.value";

    private final MutinyEmitter<Record<byte[], byte[]>> emitter;
    private final DeadLetterMasking masking;

    @Inject
    public DeadLetters(@Channel(CHANNEL) MutinyEmitter<Record<byte[], byte[]>> emitter, ViewProcessor views) {
        this(emitter, new DeadLetterMasking(views.views(), views.masker()));
    }

    DeadLetters(MutinyEmitter<Record<byte[], byte[]>> emitter, DeadLetterMasking masking) {
        this.emitter = emitter;
        this.masking = masking;
    }

    /** @param change the origin's value as decoded, or null when it failed to deserialize */
    Uni<Void> send(ChangeRecord origin, GenericRecord change, String reason, Throwable failure) {
        RecordHeaders headers = new RecordHeaders();
        if (origin.headers() != null) {
            origin.headers().forEach(h -> headers.add(h.key(), h.value()));
        }
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(TOPIC, origin.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(PARTITION, Integer.toString(origin.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(OFFSET, Long.toString(origin.offset()).getBytes(StandardCharsets.UTF_8));
        headers.add(EXCEPTION, failure.getClass().getName().getBytes(StandardCharsets.UTF_8));
        DeadLetterMasking.Result value = masking.apply(origin, change);
        if (!value.maskedColumns().isEmpty()) {
            headers.add(MASKED, String.join(",", value.maskedColumns()).getBytes(StandardCharsets.UTF_8));
        }
        if (value.withheld()) {
            headers.add(VALUE, "withheld".getBytes(StandardCharsets.UTF_8));
        }
        OutgoingKafkaRecordMetadata<byte[]> metadata = OutgoingKafkaRecordMetadata.<byte[]> builder()
                .withHeaders(headers).build();
        return emitter.sendMessage(Message.of(Record.of(origin.key(), value.value())).addMetadata(metadata));
    }
}
