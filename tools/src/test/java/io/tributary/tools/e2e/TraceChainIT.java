package io.tributary.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.stack.LocalStack;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.StackLayout;
import io.tributary.tools.demo.DemoMain;
import io.tributary.tools.e2e.OtlpReceiver.ReceivedSpan;
import io.tributary.tools.workload.WorkloadGenerator;

/**
 * One trace from PostgreSQL commit to Parquet object: the three packaged services, tracing on, export to an
 * OTLP receiver in the test. One inserted customer yields a capture span (root), the processor's spans under
 * it (process, dedupe, transform, publish), and the sink's Redis-apply and upload spans linked to the
 * processor's publish span, all in the change's trace.
 */
class TraceChainIT {

    @TempDir
    static Path dir;
    static LocalStack stack;
    static OtlpReceiver receiver;
    static List<QuarkusAppProcess> apps;

    @BeforeAll
    static void start() throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        stack = new LocalStack(dir.resolve("stack"), LocalStack.Ports.free(), StackLayout.discover());
        stack.up(line -> { });
        try (Connection pg = stack.postgres().connect()) {
            WorkloadGenerator.createDemoSchema(pg);
        }
        receiver = new OtlpReceiver();
        apps = DemoMain.apps(stack, Map.of(
                "quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.traces.endpoint", receiver.endpoint(),
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "200ms"));
        List<Thread> starting = apps.stream().map(app -> Thread.ofVirtual().start(app::start)).toList();
        for (Thread t : starting) {
            t.join();
        }
        for (QuarkusAppProcess app : apps) {
            assertThat(app.isRunning()).as(app.name() + " runs; log " + app.logFile()).isTrue();
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.down(line -> { });
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void oneChangeIsOneTraceFromCaptureToTheParquetObject() throws Exception {
        long id;
        try (Connection pg = stack.postgres().connect(); Statement s = pg.createStatement();
                ResultSet rs = s.executeQuery("INSERT INTO customers (name, email, segment_id) VALUES ('Traced', 't@example.com', 1) RETURNING id")) {
            rs.next();
            id = rs.getLong(1);
        }

        ReceivedSpan capture = await("the capture span of the insert", s -> s.name().equals("capture public.customers"));
        assertThat(capture.service()).isEqualTo("capture-service");
        assertThat(capture.parentSpanId()).as("a change starts its trace").isEmpty();
        String trace = capture.traceId();

        ReceivedSpan process = await("the processor's span of the change",
                s -> s.traceId().equals(trace) && s.name().equals("process tributary.public.customers"));
        assertThat(process.service()).isEqualTo("processor-service");
        assertThat(process.parentSpanId()).as("processing is a child of the capture span").isEqualTo(capture.spanId());
        assertThat(process.attributes()).containsEntry("tributary.event_id", capture.attributes().get("tributary.event_id"));
        for (String step : List.of("dedupe", "transform")) {
            ReceivedSpan child = await(step, s -> s.traceId().equals(trace) && s.name().equals(step));
            assertThat(child.parentSpanId()).as(step + " under process").isEqualTo(process.spanId());
        }
        ReceivedSpan publish = await("the publish of the view record",
                s -> s.traceId().equals(trace) && s.name().equals("publish tributary.view.customer_view"));
        assertThat(publish.parentSpanId()).isEqualTo(process.spanId());

        Predicate<ReceivedSpan> linkedToPublish = s -> s.service().equals("sink-service")
                && s.links().stream().anyMatch(l -> l.traceId().equals(trace) && l.spanId().equals(publish.spanId()));
        ReceivedSpan redis = await("the sink's Redis apply linked to the view record",
                s -> linkedToPublish.test(s) && s.name().equals("sink apply redis"));
        ReceivedSpan upload = await("the sink's Parquet upload linked to the view record",
                s -> linkedToPublish.test(s) && s.name().startsWith("sink upload"));
        assertThat(upload.attributes().get("tributary.object_key")).startsWith("customer_view/");
        System.out.printf("[trace] %s: capture %s -> process %s -> publish %s -> sink redis %s, upload %s (%s) for customer %d%n", trace,
                capture.spanId(), process.spanId(), publish.spanId(), redis.spanId(), upload.spanId(),
                upload.attributes().get("tributary.object_key"), id);
    }

    private static ReceivedSpan await(String what, Predicate<ReceivedSpan> match) {
        return Awaitility.await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> receiver.spans().stream().filter(match).findFirst(), Optional::isPresent).orElseThrow();
    }
}
