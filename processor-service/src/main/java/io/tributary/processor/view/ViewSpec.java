package io.tributary.processor.view;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.tributary.processor.config.ProcessorConfig;
import io.tributary.processor.config.ProcessorConfig.MaskMode;
import io.tributary.processor.config.ProcessorConfig.MissingPolicy;

/**
 * What one view does, as plain values (built from {@link ProcessorConfig.View}, or directly by tests).
 * Joins and derived columns are kept sorted by name so that the derived schema is stable.
 */
public record ViewSpec(String name, String sourceTopic, String viewTopic, Optional<String> namespace,
        Optional<String> recordName, Optional<List<String>> columns, Map<String, String> renames,
        Map<String, MaskMode> masks, TreeMap<String, JoinSpec> joins, TreeMap<String, String> derived) {

    /** One enrichment join. */
    public record JoinSpec(String name, String referenceTopic, String lookupField, String referenceField,
            List<String> fields, MissingPolicy onMissing, Duration retryFor) {

        /** The reference column of a {@code column[:output]} entry. */
        static String column(String entry) {
            int colon = entry.indexOf(':');
            return (colon < 0 ? entry : entry.substring(0, colon)).trim();
        }

        /** The output name of a {@code column[:output]} entry. */
        static String output(String entry) {
            int colon = entry.indexOf(':');
            return (colon < 0 ? entry : entry.substring(colon + 1)).trim();
        }
    }

    /** The spec of view {@code name} from its configuration. */
    public static ViewSpec from(String name, ProcessorConfig.View view, String viewTopicPrefix) {
        TreeMap<String, JoinSpec> joins = new TreeMap<>();
        view.joins().forEach((joinName, join) -> joins.put(joinName, new JoinSpec(joinName, join.referenceTopic(),
                join.lookupField(), join.referenceField(), List.copyOf(join.fields()), join.onMissing(),
                join.retryFor())));
        return new ViewSpec(name, view.sourceTopic(), viewTopicPrefix + name, view.namespace(), view.recordName(),
                view.columns().map(List::copyOf), Map.copyOf(view.renames()), Map.copyOf(view.masks()), joins,
                new TreeMap<>(view.derived()));
    }

    /** Whether any column of this view is hashed (then a masking key is required). */
    public boolean hashes() {
        return masks.containsValue(MaskMode.HASH);
    }
}
