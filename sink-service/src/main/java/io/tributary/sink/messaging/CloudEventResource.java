package io.tributary.sink.messaging;

import java.util.concurrent.TimeoutException;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.tributary.support.KafkaSourceEvent;
import io.tributary.sink.push.PushReceiver;

/**
 * Thin adapter of push mode: {@code POST /} with one CloudEvent (binary content mode) from a Knative KafkaSource
 * per request. 200 once the record is durable (in Redis and in an uploaded Parquet object, or already in the lake);
 * 400 when the request is not a KafkaSource CloudEvent or its value not a view change (not worth retrying); 503
 * when it is not durable within {@code sink.push.timeout} (S3/Redis down), when the sink is shutting down or failed,
 * or when the source delivered out of order (the KafkaSource retries); 404 when push mode is off.
 */
@Path("/")
public class CloudEventResource {

    private static final Logger LOG = Logger.getLogger(CloudEventResource.class);

    private final PushReceiver receiver;

    public CloudEventResource(PushReceiver receiver) {
        this.receiver = receiver;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Uni<Response> receive(@Context HttpHeaders headers, byte[] body) {
        if (!receiver.enabled()) {
            return Uni.createFrom().item(text(Response.Status.NOT_FOUND, "push mode is off (sink.push.enabled=false)"));
        }
        KafkaSourceEvent event;
        try {
            event = KafkaSourceEvent.fromHttp(headers.getRequestHeaders(), body);
        } catch (KafkaSourceEvent.InvalidEvent e) {
            return Uni.createFrom().item(text(Response.Status.BAD_REQUEST, e.getMessage()));
        }
        return Uni.createFrom().completionStage(() -> receiver.receive(event))
                .ifNoItem().after(receiver.timeout()).failWith(() -> new TimeoutException(
                        event.id() + " of " + event.topic() + " not durable within sink.push.timeout (" + receiver.timeout() + ")"))
                .onItem().transform(done -> Response.ok().build())
                .onFailure().recoverWithItem(failure -> refuse(event, failure));
    }

    private static Response refuse(KafkaSourceEvent event, Throwable failure) {
        if (failure instanceof IllegalArgumentException) {
            LOG.errorf("refusing %s of %s: %s", event.id(), event.topic(), failure.getMessage());
            return text(Response.Status.BAD_REQUEST, failure.getMessage());
        }
        if (failure instanceof PushReceiver.OutOfOrder) {
            LOG.error(failure.getMessage());
        } else if (!(failure instanceof PushReceiver.Stopping)) {
            LOG.warnf("%s of %s not durable, answered 503 (the source retries): %s", event.id(), event.topic(), failure.toString());
        }
        return text(Response.Status.SERVICE_UNAVAILABLE, String.valueOf(failure.getMessage()));
    }

    private static Response text(Response.Status status, String message) {
        return Response.status(status).type(MediaType.TEXT_PLAIN_TYPE).entity(message).build();
    }
}
