package io.tributary.tools.reconcile;

import java.util.Map;
import java.util.TreeMap;

/** The rows of one side of a comparison: primary key as text -> column -> value as text (null for SQL NULL). */
public record Rows(String side, Map<String, Map<String, String>> byKey) {

    public Rows {
        byKey = new TreeMap<>(byKey);
    }

    public int count() {
        return byKey.size();
    }
}
