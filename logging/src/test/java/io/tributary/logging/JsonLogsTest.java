package io.tributary.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.jboss.logmanager.handlers.DelayedHandler;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

class JsonLogsTest {


    static final SpanContext SPAN = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(),
            TraceState.getDefault());

    @Test
    void consoleLinesBecomeJsonWithTheChangesEventAndTraceIds() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logger logger = logger(out);
        logger.info("before: plain text");
        // Quarkus nests its console handler in a delaying handler: the formatter must reach it there too
        assertThat(JsonLogs.useJson(logger)).isEqualTo(1);
        try (ChangeLog change = ChangeLog.of("e-42", SPAN)) {
            logger.log(org.jboss.logmanager.Level.WARN, "dead-lettering tributary.public.customers-0@7: transformation \"bad\"");
        }
        logger.info("not about a change");

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("INFO before: plain text");
        ObjectMapper json = new ObjectMapper();
        JsonNode change = json.readTree(lines.get(1));
        assertThat(change.path("level").asText()).isEqualTo("WARN");
        assertThat(change.path("message").asText()).isEqualTo("dead-lettering tributary.public.customers-0@7: transformation \"bad\"");
        assertThat(change.path("mdc").path("eventId").asText()).isEqualTo("e-42");
        assertThat(change.path("mdc").path("traceId").asText()).isEqualTo(SPAN.getTraceId());
        assertThat(change.path("mdc").path("spanId").asText()).isEqualTo(SPAN.getSpanId());
        assertThat(change.path("logger").asText()).isEqualTo("test");
        assertThat(change.path("timestamp").asText()).endsWith("Z");
        JsonNode after = json.readTree(lines.get(2));
        assertThat(after.path("mdc").has("eventId")).as("the MDC is cleared when the change's scope closes").isFalse();
    }

    @Test
    void anUntracedChangeStillNamesItsEvent() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logger logger = logger(out);
        JsonLogs.useJson(logger);
        try (ChangeLog change = ChangeLog.of("e-7", SpanContext.getInvalid())) {
            logger.info("retrying");
        }
        JsonNode line = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).strip());
        assertThat(line.path("mdc").path("eventId").asText()).isEqualTo("e-7");
        assertThat(line.path("mdc").has("traceId")).isFalse();
    }

    @Test
    void exceptionsAndControlCharactersStayOnOneLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logger logger = logger(out);
        JsonLogs.useJson(logger);
        logger.log(org.jboss.logmanager.Level.ERROR, "line one\nline two\ttab \u0001", new IllegalStateException("boom"));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(1);
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertThat(line.path("message").asText()).isEqualTo("line one\nline two\ttab \u0001");
        assertThat(line.path("exception").asText()).startsWith("java.lang.IllegalStateException: boom").contains("\tat ");
    }

    private static Logger logger(ByteArrayOutputStream out) {
        Logger logger = LogContext.create().getLogger("test");
        ConsoleHandler console = new ConsoleHandler(new PatternFormatter("%p %s%n"));
        console.setOutputStream(out);
        console.setAutoFlush(true);
        DelayedHandler delayed = new DelayedHandler();
        delayed.addHandler(console);
        logger.addHandler(delayed);
        logger.setUseParentHandlers(false);
        return logger;
    }
}
