package io.tributary.capture.envelope;

import java.util.List;

import org.apache.avro.generic.GenericRecord;

/**
 * One change as it goes to Kafka: the {@code <Row>Key} record (also the Kafka key), the {@code <Row>Change}
 * value, and the columns whose value PostgreSQL did not send because they were TOASTed and unchanged.
 */
public record ChangeEnvelope(TableRef table, String eventId, GenericRecord key, GenericRecord value,
        List<String> unchangedToasted) {
}
