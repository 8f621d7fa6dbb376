package io.tributary.sink.messaging;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.tributary.support.avro.CachingAvroDatumProvider;

/** Classes Apicurio creates by name from configuration (apicurio.registry.avro-datum-provider): kept for the native image. */
@RegisterForReflection(targets = CachingAvroDatumProvider.class)
final class ReflectionTargets {
    private ReflectionTargets() {
    }
}
