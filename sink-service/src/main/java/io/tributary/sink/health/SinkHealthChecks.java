package io.tributary.sink.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import io.tributary.sink.engine.SinkRuntime;

/** Health of the sink: readiness DOWN while S3 or Redis fails (degraded, retrying); liveness DOWN if the engine died. */
public final class SinkHealthChecks {

    private SinkHealthChecks() {
    }

    @Readiness
    @ApplicationScoped
    public static class Degraded implements HealthCheck {

        private final SinkRuntime runtime;

        public Degraded(SinkRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder response = HealthCheckResponse.named("sink")
                    .status(!runtime.status().degraded())
                    .withData("open-files", runtime.engine().openBuffers())
                    .withData("buffered-bytes", runtime.engine().bufferedBytes());
            runtime.status().failing().forEach((dependency, error) -> response.withData(dependency, "failing: " + error));
            return response.build();
        }
    }

    @Liveness
    @ApplicationScoped
    public static class Engine implements HealthCheck {

        private final SinkRuntime runtime;

        public Engine(SinkRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public HealthCheckResponse call() {
            Throwable fatal = runtime.fatal();
            HealthCheckResponseBuilder response = HealthCheckResponse.named("sink-engine").status(fatal == null);
            if (fatal != null) {
                response.withData("error", String.valueOf(fatal));
            }
            return response.build();
        }
    }
}
