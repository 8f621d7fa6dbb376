package io.tributary.processor.push;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.header.internals.RecordHeaders;

import io.tributary.processor.messaging.ChangeRecord;

/**
 * Reads back the Kafka record a Knative Eventing KafkaSource turned into a CloudEvent (HTTP binary content
 * mode), as its dispatcher builds it (eventing-kafka-broker {@code InvalidCloudEventInterceptor}):
 * <ul>
 * <li>{@code ce-specversion: 1.0}, {@code ce-type: dev.knative.kafka.event};</li>
 * <li>{@code ce-source: /apis/v1/namespaces/<ns>/kafkasources/<name>#<topic>} — the topic after {@code #};</li>
 * <li>{@code ce-id: partition:<p>/offset:<o>} (and {@code ce-subject: partition:<p>#<o>});</li>
 * <li>{@code ce-key} / {@code ce-partitionkey}: the record key as the source's key type renders it;</li>
 * <li>each record header {@code h} as the extension {@code ce-kafkaheader<h>}, {@code h} lower-cased with
 * everything but {@code [a-z0-9]} removed, its value read as UTF-8 (a {@code content-type} header becomes
 * {@code Content-Type});</li>
 * <li>the body: the record value, byte for byte.</li>
 * </ul>
 * So the record's {@code traceparent} header comes back as is; binary headers (Apicurio's schema-id
 * headers) do not survive the trip, so the change topics must carry the schema id in the payload (the
 * Apicurio default, and what capture-service writes).
 */
public final class KafkaSourceEvent {

    /** The {@code ce-type} of a record from a KafkaSource. */
    public static final String TYPE = "dev.knative.kafka.event";
    /** The prefix of the extensions carrying the record's headers. */
    public static final String HEADER_EXTENSION_PREFIX = "ce-kafkaheader";

    private static final Pattern ID = Pattern.compile("partition:(\\d+)/offset:(\\d+)");

    private KafkaSourceEvent() {
    }

    /** The record a request carries; {@link InvalidEvent} (say why) if it is not a CloudEvent from a KafkaSource. */
    public static ChangeRecord parse(Map<String, List<String>> httpHeaders, byte[] body) {
        Map<String, String> headers = new java.util.HashMap<>();
        httpHeaders.forEach((name, values) -> {
            if (values != null && !values.isEmpty()) {
                headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        String specVersion = required(headers, "ce-specversion");
        if (!specVersion.equals("1.0")) {
            throw new InvalidEvent("unsupported ce-specversion " + specVersion + " (expected 1.0)");
        }
        String type = required(headers, "ce-type");
        if (!type.equals(TYPE)) {
            throw new InvalidEvent("ce-type is " + type + ", not a KafkaSource record (" + TYPE + ")");
        }
        String source = required(headers, "ce-source");
        int hash = source.lastIndexOf('#');
        if (hash < 0 || hash == source.length() - 1) {
            throw new InvalidEvent("ce-source " + source
                    + " does not name a topic (expected /apis/v1/namespaces/<ns>/kafkasources/<name>#<topic>)");
        }
        String topic = source.substring(hash + 1);
        String id = required(headers, "ce-id");
        Matcher matcher = ID.matcher(id);
        if (!matcher.matches()) {
            throw new InvalidEvent("ce-id " + id + " is not a KafkaSource record id (expected partition:<p>/offset:<o>)");
        }
        int partition;
        long offset;
        try {
            partition = Integer.parseInt(matcher.group(1));
            offset = Long.parseLong(matcher.group(2));
        } catch (NumberFormatException e) {
            throw new InvalidEvent("ce-id " + id + " has an out-of-range partition or offset");
        }
        String key = headers.getOrDefault("ce-key", headers.get("ce-partitionkey"));
        RecordHeaders recordHeaders = new RecordHeaders();
        headers.forEach((name, value) -> {
            if (name.startsWith(HEADER_EXTENSION_PREFIX) && name.length() > HEADER_EXTENSION_PREFIX.length()) {
                recordHeaders.add(name.substring(HEADER_EXTENSION_PREFIX.length()), value.getBytes(StandardCharsets.UTF_8));
            }
        });
        return new ChangeRecord(topic, partition, offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                body == null || body.length == 0 ? null : body, recordHeaders);
    }

    private static String required(Map<String, String> headers, String name) {
        String value = headers.get(name);
        if (value == null || value.isBlank()) {
            throw new InvalidEvent("missing header " + name + ": not a CloudEvent from a KafkaSource (binary content mode)");
        }
        return value.trim();
    }

    /** The request is not a CloudEvent from a KafkaSource; the message says why. */
    public static final class InvalidEvent extends RuntimeException {
        InvalidEvent(String message) {
            super(message, null, false, false);
        }
    }
}
