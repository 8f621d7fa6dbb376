package io.tributary.support.avro;

import java.util.Map;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Apicurio's Avro deserializer with {@link CachingAvroDatumProvider} (readers kept per schema instead of fingerprinting
 * every record's schema), unless the configuration names another. Use it as a Kafka {@code value.deserializer} or
 * configure it in code. (The schema is looked up by the id each record carries, which Apicurio already caches.)
 */
@RegisterForReflection // for the native image: Kafka creates it from the class name in the configuration
public class CachingAvroDeserializer<T> extends AvroKafkaDeserializer<T> {

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        super.configure(CachingAvroSerializer.withCaches(configs), isKey);
    }
}
