package io.tributary.processor.messaging;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.tributary.support.avro.CachingAvroDatumProvider;
import io.tributary.support.avro.CachingAvroDeserializer;
import io.tributary.support.avro.CachingAvroSerializer;
import io.tributary.support.avro.CachingSchemaResolver;

/**
 * Classes created by name or by class object at run time: the Kafka serializers and deserializers named in the
 * configuration, and the schema resolver and datum provider that Apicurio instantiates. Kept for the native image.
 */
@RegisterForReflection(targets = {CachingAvroSerializer.class, CachingAvroDeserializer.class, CachingSchemaResolver.class,
        CachingAvroDatumProvider.class})
final class ReflectionTargets {
    private ReflectionTargets() {
    }
}
