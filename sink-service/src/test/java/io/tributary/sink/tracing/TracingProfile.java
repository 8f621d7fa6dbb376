package io.tributary.sink.tracing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The OpenTelemetry SDK on, spans exported to {@link InMemorySpans} only (no OTLP exporter), exported quickly. */
public class TracingProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.enabled", "false",
                "quarkus.otel.bsp.schedule.delay", "50ms");
    }
}
