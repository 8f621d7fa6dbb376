package io.tributary.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.jboss.logmanager.ExtFormatter;
import org.jboss.logmanager.ExtLogRecord;

/**
 * One JSON object per log record and line: {@code timestamp} (ISO-8601, UTC), {@code level}, {@code logger},
 * {@code thread}, {@code message}, {@code mdc} (an object; {@code eventId}, {@code traceId}, {@code spanId} on
 * lines about a change) and, when there is one, {@code exception} (the stack trace as one string).
 */
public final class JsonLineFormatter extends ExtFormatter {

    @Override
    public String format(ExtLogRecord record) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"timestamp\":");
        string(out, Instant.ofEpochMilli(record.getMillis()).toString());
        out.append(",\"level\":");
        string(out, record.getLevel().getName());
        out.append(",\"logger\":");
        string(out, record.getLoggerName());
        out.append(",\"thread\":");
        string(out, record.getThreadName());
        out.append(",\"message\":");
        string(out, record.getFormattedMessage());
        out.append(",\"mdc\":{");
        boolean first = true;
        for (Map.Entry<String, String> entry : new TreeMap<>(record.getMdcCopy()).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, entry.getKey());
            out.append(':');
            string(out, entry.getValue());
        }
        out.append('}');
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            out.append(",\"exception\":");
            string(out, trace.toString());
        }
        return out.append("}\n").toString();
    }

    /** Appends {@code value} as a JSON string (null as null). */
    static void string(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
