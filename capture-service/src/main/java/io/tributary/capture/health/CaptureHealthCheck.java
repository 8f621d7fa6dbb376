package io.tributary.capture.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Engine state as health: liveness is DOWN once the engine failed or stopped, readiness only UP while streaming. */
public final class CaptureHealthCheck {

    private CaptureHealthCheck() {
    }

    static HealthCheckResponse response(String name, CaptureState.Status status, boolean up) {
        return HealthCheckResponse.named(name).status(up)
                .withData("phase", status.phase().name())
                .withData("detail", String.valueOf(status.detail()))
                .build();
    }

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        private final CaptureState state;

        public Live(CaptureState state) {
            this.state = state;
        }

        @Override
        public HealthCheckResponse call() {
            CaptureState.Status s = state.status();
            return response("capture-engine", s, s.phase() == CaptureState.Phase.STARTING || s.phase() == CaptureState.Phase.RUNNING);
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final CaptureState state;

        public Ready(CaptureState state) {
            this.state = state;
        }

        @Override
        public HealthCheckResponse call() {
            CaptureState.Status s = state.status();
            return response("capture-engine", s, s.phase() == CaptureState.Phase.RUNNING);
        }
    }
}
