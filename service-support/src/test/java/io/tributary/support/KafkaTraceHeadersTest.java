package io.tributary.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;

class KafkaTraceHeadersTest {

    @Test
    void aContextWrittenToHeadersIsReadBackAndReplacesAnOlderOne() {
        SpanContext span = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(),
                TraceState.getDefault());
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-11111111111111111111111111111111-2222222222222222-01".getBytes(StandardCharsets.UTF_8));

        KafkaTraceHeaders.inject(Context.root().with(Span.wrap(span)), headers);

        assertThat(headers.headers("traceparent")).hasSize(1);
        assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        SpanContext read = Span.fromContext(KafkaTraceHeaders.extract(headers)).getSpanContext();
        assertThat(read.getTraceId()).isEqualTo(span.getTraceId());
        assertThat(read.getSpanId()).isEqualTo(span.getSpanId());
    }

    @Test
    void noHeadersIsNoContext() {
        assertThat(Span.fromContext(KafkaTraceHeaders.extract(null)).getSpanContext().isValid()).isFalse();
        assertThat(Span.fromContext(KafkaTraceHeaders.extract(new RecordHeaders())).getSpanContext().isValid()).isFalse();
    }
}
