package io.tributary.sink.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.generic.GenericRecord;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.tributary.testsupport.Http;
import io.tributary.testsupport.TestServices;

/**
 * Posts view records as a Knative KafkaSource does: CloudEvents 1.0 in binary content mode, the Avro value (Apicurio
 * serializer, schema id in the payload) as the body, the record key Base64 in {@code ce-key}/{@code ce-partitionkey}
 * (key type byte-array), record headers as {@code ce-kafkaheader<name>}.
 */
public final class CloudEvents implements AutoCloseable {

    private final AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>();
    private final AvroKafkaSerializer<GenericRecord> keySerializer = new AvroKafkaSerializer<>();
    /**
     * HTTP/1.1, not the JDK client's default (an h2c upgrade): the stricter case for a SIGTERM, where the waiting requests
     * must be answered before the server closes the connections (PushProcessIT answered 0 of 12 over HTTP/1.1 while the
     * sink answered them at ShutdownEvent, 12 of 12 over h2c).
     */
    private final HttpClient http = Http.client();
    private final URI endpoint;

    public CloudEvents(TestServices services, URI endpoint) {
        Map<String, String> config = Map.of("apicurio.registry.url", services.registry().url(), "apicurio.registry.auto-register", "true");
        serializer.configure(config, false);
        keySerializer.configure(config, true);
        this.endpoint = endpoint;
    }

    /** The request a KafkaSource sends for topic-partition@offset with this value (null: a tombstone). */
    public HttpRequest request(String topic, int partition, long offset, GenericRecord value) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(120))
                .header("ce-specversion", "1.0")
                .header("ce-id", "partition:" + partition + "/offset:" + offset)
                .header("ce-source", "/apis/v1/namespaces/tributary/kafkasources/sink-views#" + topic)
                .header("ce-type", "dev.knative.kafka.event")
                .header("ce-subject", "partition:" + partition + "#" + offset)
                .header("ce-time", "2026-11-23T10:00:00Z")
                .header("ce-kafkaheadertraceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        if (value != null && value.get("key") != null) {
            String key = Base64.getEncoder().encodeToString(keySerializer.serialize(topic, (GenericRecord) value.get("key")));
            request.header("ce-key", key).header("ce-partitionkey", key);
        }
        if (value == null) {
            return request.POST(HttpRequest.BodyPublishers.noBody()).build();
        }
        return request.header("content-type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(serializer.serialize(topic, value))).build();
    }

    public CompletableFuture<HttpResponse<String>> postAsync(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(HttpRequest request) {
        return postAsync(request).join();
    }

    @Override
    public void close() {
        serializer.close();
        keySerializer.close();
        http.close();
    }
}
