package io.tributary.processor.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The processor's whole configuration: which views to publish from which change topics, and how.
 * What happens to a table is configuration, not code (see README for the seed example).
 */
@ConfigMapping(prefix = "processor")
public interface ProcessorConfig {

    /** The property holding the HMAC key, named in start-up errors. */
    String MASKING_KEY_PROPERTY = "processor.masking.key";

    /** The views to publish, by view name (the view topic is {@code view-topic-prefix + name}). */
    Map<String, View> views();

    /** Prefix of every view topic. */
    @WithDefault("tributary.view.")
    String viewTopicPrefix();

    /** Topic that receives records that cannot be deserialized or transformed. */
    @WithDefault("tributary.processor.dlq")
    String deadLetterTopic();

    /** PII masking settings shared by all views. */
    Masking masking();

    /** Duplicate suppression by event id. */
    Dedupe dedupe();

    /** Back-off of retried transient failures (Redis or Kafka unavailable). */
    Retry retry();

    /** The push transport: CloudEvents from a Knative KafkaSource over HTTP (README, "Push mode"). */
    Push push();

    /** One view: a table's change topic turned into a view topic. */
    interface View {

        /** Change topic this view follows, e.g. {@code tributary.public.customers}. */
        String sourceTopic();

        /** Avro namespace of the view records; default: the namespace of the source row. */
        Optional<String> namespace();

        /** Avro name of the view row record (the envelope is this plus "Change"); default: the view name in PascalCase. */
        Optional<String> recordName();

        /** Source columns to keep, in output order; default: every column of the row, in column order. */
        Optional<List<String>> columns();

        /** Output names of source columns, by source column name (applied after masking). */
        Map<String, String> renames();

        /** Masking per source column: {@code redact}, {@code hash} or {@code drop}. */
        Map<String, MaskMode> masks();

        /** Enrichment joins with reference data, by join name (appended in join-name order). */
        Map<String, Join> joins();

        /** Derived columns, output name to a path: {@code source.<field>}, {@code event_id}, {@code op}, {@code key.<field>}, {@code after.<field>} (appended in name order). */
        Map<String, String> derived();
    }

    /** An enrichment join: look up a row of a reference table and copy some of its columns. */
    interface Join {

        /** Change topic of the reference table, read from the beginning at start into memory. */
        String referenceTopic();

        /** Column of the source row whose value is looked up. */
        String lookupField();

        /** Column of the reference row that the lookup value must equal (normally its primary key). */
        @WithDefault("id")
        String referenceField();

        /** Reference columns to copy, in output order, each {@code column} or {@code column:output_name}. */
        List<String> fields();

        /** What to do when no reference row matches. */
        @WithDefault("emit-nulls")
        MissingPolicy onMissing();

        /** With {@code on-missing=retry}: how long to wait for the reference row before dead-lettering. */
        @WithDefault("30s")
        Duration retryFor();
    }

    /** PII masking settings. */
    interface Masking {

        /** HMAC-SHA256 key of {@code hash} masking; required as soon as one column is hashed. Give it from a secret. */
        Optional<String> key();

        /** The value written in place of a {@code redact}ed string column. */
        @WithDefault("***")
        String redactedValue();
    }

    /** Duplicate suppression by event id. */
    interface Dedupe {

        /** Whether duplicates are dropped at all. */
        @WithDefault("true")
        boolean enabled();

        /** How long an event id is remembered: size it to the longest replay of a change topic. */
        @WithDefault("7D")
        Duration ttl();

        /** Prefix of the Redis keys holding event ids. */
        @WithDefault("tributary:processor:seen:")
        String keyPrefix();
    }

    /** Back-off of retried transient failures. */
    interface Retry {

        /** First delay. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Longest delay between two attempts; attempts go on until they succeed. */
        @WithDefault("5s")
        Duration maxBackoff();
    }

    /** The push transport: {@code POST /} with a KafkaSource's CloudEvent (binary content mode). */
    interface Push {

        /** Whether {@code POST /} accepts changes (otherwise 404); turn the Kafka consumer off then. */
        @WithDefault("false")
        boolean enabled();

        /** How long one request may wait for Redis, Kafka, the registry or a reference table before answering 503. */
        @WithDefault("10s")
        Duration maxRetryTime();
    }

    /** How a masked column is protected. */
    enum MaskMode {
        /** Replaced by a constant (strings) or null (other types). */
        REDACT,
        /** Replaced by the hex HMAC-SHA256 of its value under {@code processor.masking.key}. */
        HASH,
        /** Left out of the view. */
        DROP
    }

    /** What a join does when the reference row is missing. */
    enum MissingPolicy {
        /** Publish the view row with the joined columns null. */
        EMIT_NULLS,
        /** Wait for the reference row up to {@code retry-for}, then dead-letter. */
        RETRY,
        /** Send the change to the dead-letter topic at once. */
        DEAD_LETTER
    }
}
