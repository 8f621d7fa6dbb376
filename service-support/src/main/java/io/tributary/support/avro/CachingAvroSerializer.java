package io.tributary.support.avro;

import java.util.HashMap;
import java.util.Map;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.serde.config.SerdeConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Apicurio's Avro serializer with {@link CachingSchemaResolver} and {@link CachingAvroDatumProvider}, unless the
 * configuration names others. Use it as a Kafka {@code key.serializer}/{@code value.serializer} or configure it in code.
 *
 * <p>The two are put into the configuration as classes, not names: Apicurio loads a configured name with its own
 * class loader, which in a {@code @QuarkusTest} is not the application's, and the class it gets then does not count
 * as an implementation of Apicurio's interface.
 */
@RegisterForReflection // for the native image: Kafka creates it from the class name in the configuration
public class CachingAvroSerializer<T> extends AvroKafkaSerializer<T> {

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        super.configure(withCaches(configs), isKey);
    }

    /** The configuration with the two caches added where it names none. */
    static Map<String, Object> withCaches(Map<String, ?> configs) {
        Map<String, Object> withCaches = new HashMap<>(configs);
        withCaches.putIfAbsent(SerdeConfig.SCHEMA_RESOLVER, CachingSchemaResolver.class);
        withCaches.putIfAbsent(AvroSerdeConfig.AVRO_DATUM_PROVIDER, CachingAvroDatumProvider.class);
        return withCaches;
    }
}
