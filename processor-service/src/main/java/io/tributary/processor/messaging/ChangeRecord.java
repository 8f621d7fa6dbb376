package io.tributary.processor.messaging;

import org.apache.kafka.common.header.Headers;

/**
 * One record of a change topic, whatever transport delivered it (the Kafka consumer, or a KafkaSource's
 * CloudEvent over HTTP): where it was read from, its key and value bytes and its headers.
 *
 * @param topic the change topic
 * @param partition its partition
 * @param offset its offset
 * @param key the key bytes (may be null)
 * @param value the value bytes (null: a tombstone)
 * @param headers the record's headers (the W3C {@code traceparent}, Apicurio schema-id headers if any)
 */
public record ChangeRecord(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers) {
}
