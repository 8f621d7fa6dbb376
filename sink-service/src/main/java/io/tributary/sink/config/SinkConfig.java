package io.tributary.sink.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The sink's typed configuration ({@code sink.*}). Invalid values (an unknown compression, a zero roll
 * size, a negative duration) fail start-up with a message naming the key.
 */
@ConfigMapping(prefix = "sink")
public interface SinkConfig {

    /** Topic-name prefix of the view topics; the rest of the name is the view, used as the table name. */
    @WithDefault("tributary.view.")
    @NotBlank
    String viewTopicPrefix();

    /** The Parquet lake on S3. */
    Lake lake();

    /** When an open file is closed and uploaded. */
    Roll roll();

    /** Most files (one per topic-partition) open in memory at once; the oldest is rolled when exceeded. */
    @WithDefault("64")
    @Min(1)
    int maxOpenBuffers();

    /**
     * Most bytes (of the rows' serialized values, as on Kafka) held in all open files together; past it the largest
     * file rolls. Rolled files waiting for their upload hold at most as much again (past it, consumption waits).
     * This bounds the memory of the rows: an open file holds each row as Avro binary, with its event id, about two
     * to three times its Kafka bytes on the heap, so the rows take about five times this.
     */
    @WithDefault("16M")
    MemorySize maxBufferedBytes();

    /** The latest-state store in Redis. */
    Redis redis();

    /** Backoff while S3 or Redis is unavailable (retried indefinitely; consumption pauses while Redis is, and once the files waiting for S3 reach their bound). */
    Retry retry();

    /** The push transport: CloudEvents over HTTP from a Knative KafkaSource (see the README, "Push mode"). */
    Push push();

    /** S3 side. */
    interface Lake {

        /** Bucket of the lake. */
        @WithDefault("lake")
        @NotBlank
        String bucket();

        /** Prefix put before every object key, e.g. {@code views/} (unset: none). */
        Optional<@Pattern(regexp = "^[^/].*/$", message = "must end with '/' and not start with '/'") String> objectPrefix();

        /** Parquet compression codec: snappy, zstd, gzip or uncompressed. */
        @WithDefault("snappy")
        Compression compression();

        /** Files larger than this are uploaded with a multipart upload. */
        @WithDefault("16M")
        MemorySize multipartThreshold();

        /** Part size of a multipart upload (S3 needs at least 5 MiB, except for the last part). */
        @WithDefault("8M")
        MemorySize multipartPartSize();

        /**
         * How long the event ids of uploaded rows are remembered (in Redis) to drop a change that arrives again at
         * another offset; keep it above the longest replay of the view topics to expect.
         */
        @WithDefault("7d")
        Duration dedupeTtl();
    }

    /** Roll policy. */
    interface Roll {

        /** A file closes when it holds this many rows. */
        @WithDefault("100000")
        @Min(1)
        int maxRecords();

        /** A file closes when its rows took this many bytes on Kafka (serialized values). */
        @WithDefault("64M")
        MemorySize maxBytes();

        /**
         * A file closes at the latest this long (wall clock) after its first row arrived, even if no row follows.
         * While two or more files are past half of it, the oldest closes early, one per check, so that files opened
         * together are not encoded and uploaded all at once.
         */
        @WithDefault("60s")
        Duration maxAge();

        /** How often open files are checked for their age. */
        @WithDefault("1s")
        Duration checkInterval();
    }

    /** Redis side. */
    interface Redis {

        /** Prefix of every key this sink writes. */
        @WithDefault("tributary:")
        String keyPrefix();

        /** Expiry of rows per table (view name), e.g. {@code sink.redis.ttl.customer_view=P7D}; absent: no expiry. */
        Map<String, Duration> ttl();

        /** How long the marker left by a delete lives; an older update arriving within it is ignored. */
        @WithDefault("1h")
        Duration tombstoneTtl();
    }

    /** Retry backoff. */
    interface Retry {

        /** First wait after a failure. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Longest wait between attempts. */
        @WithDefault("10s")
        Duration maxBackoff();
    }

    /** Push mode (CloudEvents from a Knative KafkaSource, {@code POST /}). */
    interface Push {

        /** Accept CloudEvents on {@code POST /}; when false the endpoint answers 404. */
        @WithDefault("false")
        boolean enabled();

        /**
         * Longest a request waits for its row to be durable (file uploaded, row in Redis) before it is answered 503
         * (the KafkaSource retries); must exceed {@code sink.roll.max-age}.
         */
        @WithDefault("90s")
        Duration timeout();

        /**
         * How long a request is held before its record goes to the engine, so that requests of one partition
         * delivered concurrently (KafkaSource {@code ordering: unordered}) reach it in offset order; 0 with ordered delivery.
         */
        @WithDefault("500ms")
        Duration reorderWindow();

        /** At shutdown, longest wait for the open files of pending requests to be uploaded. */
        @WithDefault("20s")
        Duration shutdownTimeout();

        /** Per topic-partition, how many answered offsets are remembered to answer a resent request 200 at once. */
        @WithDefault("10000")
        @Min(1)
        int rememberedOffsets();
    }

    /** Parquet compression codecs offered. */
    enum Compression {
        SNAPPY, ZSTD, GZIP, UNCOMPRESSED
    }
}
