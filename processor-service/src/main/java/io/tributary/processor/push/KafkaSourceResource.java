package io.tributary.processor.push;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.tributary.processor.config.ProcessorConfig;
import io.tributary.processor.messaging.ChangePipeline;
import io.tributary.processor.messaging.ChangeRecord;
import io.tributary.support.KafkaSourceEvent;

/**
 * The push adapter: a Knative Eventing KafkaSource delivers each change record as a CloudEvent
 * ({@code POST /}, binary content mode, see {@link KafkaSourceEvent}); it is handed to the same
 * {@link ChangePipeline#handle} as the Kafka consumer's.
 *
 * <p>Answers: 200 once the change is durably handled (view records acked by Kafka and event id recorded,
 * or a duplicate, or dead-lettered); 400 when the request is not a KafkaSource CloudEvent; 503 when a
 * dependency stays unavailable for {@code processor.push.max-retry-time} (the KafkaSource retries or
 * dead-letters it; nothing was recorded, so a retry publishes it); 404 when push mode is off.
 */
@Path("/")
public class KafkaSourceResource {

    private static final Logger LOG = Logger.getLogger(KafkaSourceResource.class);

    private final ChangePipeline pipeline;
    private final boolean enabled;
    private final Duration maxRetryTime;

    public KafkaSourceResource(ChangePipeline pipeline, ProcessorConfig config) {
        this.pipeline = pipeline;
        this.enabled = config.push().enabled();
        this.maxRetryTime = config.push().maxRetryTime();
    }

    @POST
    @Produces(MediaType.TEXT_PLAIN)
    public Uni<Response> receive(@Context HttpHeaders headers, byte[] body) {
        if (!enabled) {
            return Uni.createFrom().item(text(Response.Status.NOT_FOUND, "push mode is off (processor.push.enabled=false)"));
        }
        ChangeRecord record = changeRecord(KafkaSourceEvent.fromHttp(headers.getRequestHeaders(), body));
        return pipeline.handle(record)
                .ifNoItem().after(maxRetryTime).fail()
                .map(outcome -> text(Response.Status.OK, outcome.name()))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("%s-%d@%d not handled within %s, answering 503: %s", record.topic(), record.partition(),
                            record.offset(), maxRetryTime, e.getClass().getName());
                    return text(Response.Status.SERVICE_UNAVAILABLE, "not handled within " + maxRetryTime
                            + " (a dependency is unavailable); retry");
                });
    }

    /**
     * The change record the event carries. Binary record headers do not survive the KafkaSource (its extensions are
     * text), so the change topics must carry the schema id in the payload (the Apicurio default, and what
     * capture-service writes); {@code traceparent} comes back as is.
     */
    static ChangeRecord changeRecord(KafkaSourceEvent event) {
        RecordHeaders recordHeaders = new RecordHeaders();
        event.kafkaHeaders().forEach((name, value) -> recordHeaders.add(name, value.getBytes(StandardCharsets.UTF_8)));
        return new ChangeRecord(event.topic(), event.partition(), event.offset(), event.keyBytes(), event.value(), recordHeaders);
    }

    /** A request that is not a KafkaSource CloudEvent: 400 with the reason. */
    @jakarta.ws.rs.ext.Provider
    public static final class InvalidEventMapper
            implements jakarta.ws.rs.ext.ExceptionMapper<KafkaSourceEvent.InvalidEvent> {
        @Override
        public Response toResponse(KafkaSourceEvent.InvalidEvent e) {
            return text(Response.Status.BAD_REQUEST, e.getMessage());
        }
    }

    private static Response text(Response.Status status, String message) {
        return Response.status(status).type(MediaType.TEXT_PLAIN).entity(message + "\n").build();
    }
}
