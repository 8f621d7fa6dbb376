package io.tributary.logging;

import org.jboss.logging.MDC;

import io.opentelemetry.api.trace.SpanContext;

/**
 * Names the change a log line is about: while open, the MDC holds {@code eventId} and, when the change is
 * traced, {@code traceId} and {@code spanId} (the keys Quarkus's OpenTelemetry support uses too), so a JSON
 * log line ({@link JsonLogs}) can be joined to the change and its trace. Use it around the log call:
 * {@code try (ChangeLog c = ChangeLog.of(eventId, span)) { LOG.warn(...); }}. Never put row values in a
 * message: masked columns must not reach the logs.
 */
public final class ChangeLog implements AutoCloseable {

    public static final String EVENT_ID = "eventId";
    public static final String TRACE_ID = "traceId";
    public static final String SPAN_ID = "spanId";

    private final boolean traced;

    private ChangeLog(boolean traced) {
        this.traced = traced;
    }

    /** @param eventId the change's event id (may be null when not known yet); @param span its trace context, or null */
    public static ChangeLog of(String eventId, SpanContext span) {
        if (eventId != null) {
            MDC.put(EVENT_ID, eventId);
        }
        boolean traced = span != null && span.isValid();
        if (traced) {
            MDC.put(TRACE_ID, span.getTraceId());
            MDC.put(SPAN_ID, span.getSpanId());
        }
        return new ChangeLog(traced);
    }

    @Override
    public void close() {
        MDC.remove(EVENT_ID);
        if (traced) {
            MDC.remove(TRACE_ID);
            MDC.remove(SPAN_ID);
        }
    }
}
