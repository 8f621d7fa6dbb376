package io.tributary.capture.messaging;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.tributary.support.avro.CachingAvroDatumProvider;
import io.tributary.support.avro.CachingSchemaResolver;

/** Classes Apicurio creates by name from configuration (apicurio.registry.schema-resolver, avro-datum-provider): kept for the native image. */
@RegisterForReflection(targets = {CachingSchemaResolver.class, CachingAvroDatumProvider.class})
final class ReflectionTargets {
    private ReflectionTargets() {
    }
}
