package io.tributary.processor.messaging;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.tributary.support.avro.CachingAvroDeserializer;

/**
 * Turns record bytes into Avro records with the Apicurio deserializer (schema looked up by the id the
 * record carries, cached). Thread-safe; a registry lookup on a cache miss blocks, so call it off the event loop.
 */
public final class AvroDecoder implements AutoCloseable {

    private final AvroKafkaDeserializer<GenericRecord> values = new CachingAvroDeserializer<>();

    public AvroDecoder(String registryUrl) {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", registryUrl);
        values.configure(config, false);
    }

    /** The value, or null for a tombstone. */
    public GenericRecord value(String topic, Headers headers, byte[] data) {
        if (data == null) {
            return null;
        }
        Object value = values.deserialize(topic, headers, data);
        if (value != null && !(value instanceof GenericRecord)) {
            throw new org.apache.kafka.common.errors.SerializationException(
                    "value of " + topic + " is an Avro " + value.getClass().getSimpleName() + ", not a record");
        }
        return (GenericRecord) value;
    }

    @Override
    public void close() {
        values.close();
    }
}
