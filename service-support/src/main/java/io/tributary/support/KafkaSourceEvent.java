package io.tributary.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Kafka record as a Knative KafkaSource delivers it over HTTP (CloudEvents 1.0, binary content mode), for a
 * record whose value is not itself a CloudEvent (change and view records are Avro); the processor and the sink
 * both take their records this way in push mode:
 * <ul>
 * <li>{@code ce-id: partition:<p>/offset:<o>}, {@code ce-subject: partition:<p>#<o>}</li>
 * <li>{@code ce-source: /apis/v1/namespaces/<ns>/kafkasources/<name>#<topic>}</li>
 * <li>{@code ce-type: dev.knative.kafka.event}</li>
 * <li>{@code ce-key}/{@code ce-partitionkey}: the record key (text, or Base64 with the source's byte-array key type)</li>
 * <li>{@code ce-kafkaheader<name>}: each record header, as text</li>
 * <li>body: the record value as is; none for a null value (tombstone)</li>
 * </ul>
 * (knative-extensions/eventing-kafka-broker, the dispatcher's {@code CloudEventDeserializer} / {@code
 * InvalidCloudEventInterceptor}.)
 */
public record KafkaSourceEvent(String id, String topic, int partition, long offset, String key,
        Map<String, String> kafkaHeaders, byte[] value) {

    /** The CloudEvent type a KafkaSource gives a plain Kafka record. */
    public static final String TYPE = "dev.knative.kafka.event";

    private static final Pattern ID = Pattern.compile("partition:(\\d+)/offset:(\\d+)");
    private static final Pattern SUBJECT = Pattern.compile("partition:(\\d+)#(\\d+)");
    private static final Pattern SOURCE = Pattern.compile("/apis/v1/namespaces/[^/]+/kafkasources/[^/#]+#(.+)");
    private static final String HEADER_PREFIX = "ce-kafkaheader";

    /**
     * Reads the event from the HTTP headers (names in any case; first value of each) and body.
     *
     * @throws InvalidEvent naming what is missing or wrong, when it is not a KafkaSource CloudEvent
     */
    public static KafkaSourceEvent of(Map<String, String> httpHeaders, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        httpHeaders.forEach((name, value) -> headers.putIfAbsent(name.toLowerCase(Locale.ROOT), value));
        String specVersion = required(headers, "ce-specversion");
        if (!"1.0".equals(specVersion)) {
            throw new InvalidEvent("ce-specversion must be 1.0 (binary content mode), not '" + specVersion + "'");
        }
        String type = required(headers, "ce-type");
        if (!TYPE.equals(type)) {
            throw new InvalidEvent("ce-type must be " + TYPE + " (a record delivered by a KafkaSource), not '" + type + "'");
        }
        String id = required(headers, "ce-id");
        Matcher idMatch = ID.matcher(id);
        if (!idMatch.matches()) {
            throw new InvalidEvent("ce-id must be partition:<partition>/offset:<offset>, not '" + id + "'");
        }
        String source = required(headers, "ce-source");
        Matcher sourceMatch = SOURCE.matcher(source);
        if (!sourceMatch.matches()) {
            throw new InvalidEvent(
                    "ce-source must be /apis/v1/namespaces/<namespace>/kafkasources/<name>#<topic>, not '" + source + "'");
        }
        int partition = parseInt(idMatch.group(1), id);
        long offset = parseLong(idMatch.group(2), id);
        String subject = headers.get("ce-subject");
        if (subject != null) {
            Matcher subjectMatch = SUBJECT.matcher(subject);
            if (!subjectMatch.matches() || parseInt(subjectMatch.group(1), subject) != partition
                    || parseLong(subjectMatch.group(2), subject) != offset) {
                throw new InvalidEvent("ce-subject '" + subject + "' does not match ce-id '" + id + "'");
            }
        }
        Map<String, String> kafkaHeaders = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (name.startsWith(HEADER_PREFIX) && name.length() > HEADER_PREFIX.length()) {
                kafkaHeaders.put(name.substring(HEADER_PREFIX.length()), value);
            }
        });
        String key = headers.containsKey("ce-key") ? headers.get("ce-key") : headers.get("ce-partitionkey");
        return new KafkaSourceEvent(id, sourceMatch.group(1), partition, offset, key, kafkaHeaders,
                body == null || body.length == 0 ? null : body);
    }

    /** As {@link #of}, from HTTP headers with several values each (the first one counts), e.g. JAX-RS's. */
    public static KafkaSourceEvent fromHttp(Map<String, ? extends List<String>> httpHeaders, byte[] body) {
        Map<String, String> first = new LinkedHashMap<>();
        httpHeaders.forEach((name, values) -> {
            if (values != null && !values.isEmpty()) {
                first.putIfAbsent(name, values.get(0));
            }
        });
        return of(first, body);
    }

    /** The request is not a CloudEvent from a KafkaSource; the message says why (answer 400). */
    public static final class InvalidEvent extends IllegalArgumentException {
        InvalidEvent(String message) {
            super(message);
        }
    }

    /** The record key's bytes when the source sent it Base64 (key type byte-array), else its UTF-8 text. */
    public byte[] keyBytes() {
        if (key == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            return key.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static String required(Map<String, String> headers, String name) {
        String value = headers.get(name);
        if (value == null || value.isBlank()) {
            throw new InvalidEvent("not a CloudEvent from a KafkaSource: header " + name + " is missing");
        }
        return value.trim();
    }

    private static int parseInt(String digits, String in) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new InvalidEvent("partition out of range in '" + in + "'");
        }
    }

    private static long parseLong(String digits, String in) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new InvalidEvent("offset out of range in '" + in + "'");
        }
    }
}
