package io.tributary.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * The W3C trace context ({@code traceparent}, {@code tracestate}) of a change, carried in its Kafka record headers as
 * UTF-8 text from capture through processor to sink.
 */
public final class KafkaTraceHeaders {

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private KafkaTraceHeaders() {
    }

    /** Writes the context's trace headers, replacing any already there. */
    public static void inject(Context context, Headers headers) {
        W3CTraceContextPropagator.getInstance().inject(context, headers, SETTER);
    }

    /** The trace context the headers carry, or the root context when they carry none. */
    public static Context extract(Headers headers) {
        return headers == null ? Context.root() : W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
    }
}
