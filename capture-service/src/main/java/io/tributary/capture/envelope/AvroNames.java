package io.tributary.capture.envelope;

import java.util.Locale;

/**
 * Naming rules for derived Avro records.
 *
 * <p>Record names come from the table name: split on {@code _}, each part capitalised, and the last part
 * made singular by a naive English rule ({@code ies -> y}; a trailing {@code s} dropped unless the word
 * ends in {@code ss}, {@code us} or {@code is}). {@code customers -> Customer},
 * {@code customer_segments -> CustomerSegment}, {@code orders -> Order}. Field names are the column names;
 * characters Avro does not allow become {@code _} and a leading digit gets a {@code _} in front.
 */
public final class AvroNames {

    private AvroNames() {
    }

    /** The {@code <Row>} record name for a table. */
    public static String rowName(String table) {
        String[] parts = table.split("_+");
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                continue;
            }
            if (i == parts.length - 1) {
                part = singular(part);
            }
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return avroName(name.length() == 0 ? "Row" : name.toString());
    }

    static String singular(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        if (lower.length() > 3 && lower.endsWith("ies")) {
            return word.substring(0, word.length() - 3) + "y";
        }
        if (lower.length() > 1 && lower.endsWith("s")
                && !lower.endsWith("ss") && !lower.endsWith("us") && !lower.endsWith("is")) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }

    /** A valid Avro name (record or field) for any identifier. */
    public static String avroName(String identifier) {
        StringBuilder out = new StringBuilder(identifier.length() + 1);
        for (int i = 0; i < identifier.length(); i++) {
            char c = identifier.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok && i == 0 && c >= '0' && c <= '9') {
                out.append('_').append(c);
            } else {
                out.append(ok ? c : '_');
            }
        }
        return out.length() == 0 ? "_" : out.toString();
    }

    /** A valid Avro namespace: dot-separated names. */
    public static String namespace(String... parts) {
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            for (String piece : part.split("\\.")) {
                if (piece.isEmpty()) {
                    continue;
                }
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(avroName(piece.toLowerCase(Locale.ROOT)));
            }
        }
        return out.toString();
    }
}
