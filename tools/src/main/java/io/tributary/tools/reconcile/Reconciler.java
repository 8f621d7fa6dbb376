package io.tributary.tools.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/** Compares a source table with one copy of it (Redis or the lake) key by key, on the compared columns. */
public final class Reconciler {

    /** What differs between the source and one side; {@code mismatched} maps a key to its differing columns. */
    public record SideReport(String side, int sourceRows, int sideRows, List<String> missing, List<String> extra,
            SortedMap<String, String> mismatched) {

        public boolean clean() {
            return missing.isEmpty() && extra.isEmpty() && mismatched.isEmpty() && sourceRows == sideRows;
        }

        /** Every key that is missing, extra or different on this side. */
        public Set<String> driftedKeys() {
            Set<String> keys = new TreeSet<>(missing);
            keys.addAll(extra);
            keys.addAll(mismatched.keySet());
            return keys;
        }

        /** A readable block: counts, then the keys (at most {@code limit} of each kind). */
        public String describe(int limit) {
            StringBuilder out = new StringBuilder(String.format("  %-8s %s  rows: source %,d, %s %,d%n", side,
                    clean() ? "CLEAN" : "DRIFT", sourceRows, side, sideRows));
            append(out, "missing in " + side, missing, limit);
            append(out, "extra in " + side, extra, limit);
            append(out, "different in " + side, mismatched.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList(),
                    limit);
            return out.toString();
        }

        private static void append(StringBuilder out, String what, List<String> keys, int limit) {
            if (!keys.isEmpty()) {
                out.append(String.format("    %s (%d): %s%s%n", what, keys.size(), String.join(", ", keys.subList(0, Math.min(limit, keys.size()))),
                        keys.size() > limit ? ", ..." : ""));
            }
        }
    }

    private Reconciler() {
    }

    public static SideReport compare(Rows source, Rows side, List<String> columns) {
        List<String> missing = new ArrayList<>();
        SortedMap<String, String> mismatched = new TreeMap<>();
        for (Map.Entry<String, Map<String, String>> row : source.byKey().entrySet()) {
            Map<String, String> other = side.byKey().get(row.getKey());
            if (other == null) {
                missing.add(row.getKey());
            } else if (!checksum(row.getValue(), columns).equals(checksum(other, columns))) {
                mismatched.put(row.getKey(), differences(row.getValue(), other, columns));
            }
        }
        TreeSet<String> extra = new TreeSet<>(side.byKey().keySet());
        extra.removeAll(source.byKey().keySet());
        return new SideReport(side.side(), source.count(), side.count(), missing, List.copyOf(extra), mismatched);
    }

    /** SHA-256 over the compared columns, in the given order. */
    static String checksum(Map<String, String> row, List<String> columns) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String column : columns) {
                String value = row.get(column);
                digest.update((column + "=" + (value == null ? "\u0000null" : value) + "\u0001").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String differences(Map<String, String> source, Map<String, String> other, List<String> columns) {
        StringBuilder out = new StringBuilder();
        for (String column : columns) {
            if (!Objects.equals(source.get(column), other.get(column))) {
                if (!out.isEmpty()) {
                    out.append("; ");
                }
                out.append(column).append(": source=").append(source.get(column)).append(" other=").append(other.get(column));
            }
        }
        return out.toString();
    }
}
