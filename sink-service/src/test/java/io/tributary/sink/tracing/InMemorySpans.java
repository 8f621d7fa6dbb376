package io.tributary.sink.tracing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * The in-memory span exporter of the tests: Quarkus exports to every CDI {@code SpanExporter} bean. It only
 * receives spans where a test profile enables the SDK ({@link TracingProfile}); elsewhere the SDK stays disabled.
 */
@ApplicationScoped
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter inMemorySpanExporter() {
        return InMemorySpanExporter.create();
    }
}
