package io.tributary.capture.messaging;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.tributary.support.avro.CachingSchemaResolver;

/** Classes Apicurio creates by name from configuration (apicurio.registry.schema-resolver): kept for the native image. */
@RegisterForReflection(targets = CachingSchemaResolver.class)
final class ReflectionTargets {
    private ReflectionTargets() {
    }
}
