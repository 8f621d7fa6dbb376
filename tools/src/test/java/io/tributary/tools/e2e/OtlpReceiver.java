package io.tributary.tools.e2e;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;

/**
 * A collector that only listens: receives OTLP/HTTP protobuf trace exports ({@code POST /v1/traces}) from the
 * services and keeps each span's ids, parent, links, name, string attributes and the exporting service.
 * Decodes just the fields of opentelemetry-proto's trace.proto it needs, from the protobuf wire format.
 */
final class OtlpReceiver implements AutoCloseable {

    record Link(String traceId, String spanId) {
    }

    record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name, List<Link> links,
            Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                byte[] bytes = body.readAllBytes();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
                }
                request(new Wire(bytes));
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private void request(Wire wire) {
        while (wire.more()) {
            int field = wire.tag();
            if (field == 1) {
                resourceSpans(wire.message());
            } else {
                wire.skip();
            }
        }
    }

    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    private void resourceSpans(Wire wire) {
        String service = null;
        List<Wire> scopes = new ArrayList<>();
        while (wire.more()) {
            int field = wire.tag();
            if (field == 1) {
                service = attributes(wire.message(), 1).get("service.name"); // Resource { repeated KeyValue attributes = 1; }
            } else if (field == 2) {
                scopes.add(wire.message());
            } else {
                wire.skip();
            }
        }
        for (Wire scope : scopes) {
            while (scope.more()) { // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
                int field = scope.tag();
                if (field == 2) {
                    spans.add(span(service, scope.message()));
                } else {
                    scope.skip();
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
    //        repeated KeyValue attributes = 9; repeated Link links = 13; }
    private static ReceivedSpan span(String service, Wire wire) {
        String traceId = null;
        String spanId = null;
        String parent = "";
        String name = null;
        List<Link> links = new ArrayList<>();
        Map<String, String> attributes = new HashMap<>();
        while (wire.more()) {
            int field = wire.tag();
            switch (field) {
                case 1 -> traceId = HexFormat.of().formatHex(wire.bytes());
                case 2 -> spanId = HexFormat.of().formatHex(wire.bytes());
                case 4 -> parent = HexFormat.of().formatHex(wire.bytes());
                case 5 -> name = new String(wire.bytes(), StandardCharsets.UTF_8);
                case 9 -> attributes.putAll(keyValue(wire.message()));
                case 13 -> links.add(link(wire.message()));
                default -> wire.skip();
            }
        }
        return new ReceivedSpan(service, traceId, spanId, parent, name, links, attributes);
    }

    // Link { bytes trace_id = 1; bytes span_id = 2; }
    private static Link link(Wire wire) {
        String traceId = null;
        String spanId = null;
        while (wire.more()) {
            int field = wire.tag();
            switch (field) {
                case 1 -> traceId = HexFormat.of().formatHex(wire.bytes());
                case 2 -> spanId = HexFormat.of().formatHex(wire.bytes());
                default -> wire.skip();
            }
        }
        return new Link(traceId, spanId);
    }

    private static Map<String, String> attributes(Wire wire, int attributesField) {
        Map<String, String> attributes = new HashMap<>();
        while (wire.more()) {
            int field = wire.tag();
            if (field == attributesField) {
                attributes.putAll(keyValue(wire.message()));
            } else {
                wire.skip();
            }
        }
        return attributes;
    }

    // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; int64 int_value = 3; ... }
    private static Map<String, String> keyValue(Wire wire) {
        String key = null;
        String value = null;
        while (wire.more()) {
            int field = wire.tag();
            if (field == 1) {
                key = new String(wire.bytes(), StandardCharsets.UTF_8);
            } else if (field == 2) {
                Wire any = wire.message();
                while (any.more()) {
                    int f = any.tag();
                    if (f == 1) {
                        value = new String(any.bytes(), StandardCharsets.UTF_8);
                    } else if (f == 3) {
                        value = Long.toString(any.varint());
                    } else {
                        any.skip();
                    }
                }
            } else {
                wire.skip();
            }
        }
        return key == null || value == null ? Map.of() : Map.of(key, value);
    }

    /** Protobuf wire format: tags, varints, length-delimited fields, fixed 32/64-bit fields. */
    private static final class Wire {

        private final ByteBuffer buffer;
        private int wireType;

        Wire(byte[] bytes) {
            this.buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean more() {
            return buffer.hasRemaining();
        }

        int tag() {
            long tag = varint();
            wireType = (int) (tag & 7);
            return (int) (tag >>> 3);
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buffer.get();
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        byte[] bytes() {
            byte[] bytes = new byte[(int) varint()];
            buffer.get(bytes);
            return bytes;
        }

        Wire message() {
            return new Wire(bytes());
        }

        void skip() {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> buffer.position(buffer.position() + 8);
                case 2 -> bytes();
                case 5 -> buffer.position(buffer.position() + 4);
                default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
            }
        }
    }
}
