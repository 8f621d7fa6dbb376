package io.tributary.sink.config;

import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.ImageMode;

/**
 * The sink's settings as plain values, checked: what the transport-independent core takes, so that unit
 * tests build it without Quarkus. {@link #from(SinkConfig)} fails with the offending key's name.
 */
public record SinkSettings(
        String viewTopicPrefix,
        String bucket,
        String objectPrefix,
        SinkConfig.Compression compression,
        long multipartThreshold,
        long multipartPartSize,
        int rollMaxRecords,
        long rollMaxBytes,
        Duration rollMaxAge,
        Duration rollCheckInterval,
        int maxOpenBuffers,
        long maxBufferedBytes,
        String redisKeyPrefix,
        Map<String, Duration> redisTtl,
        Duration tombstoneTtl,
        Duration retryInitialBackoff,
        Duration retryMaxBackoff,
        Duration lakeDedupeTtl) {

    /** S3's smallest part of a multipart upload (all parts but the last). */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    public SinkSettings {
        redisTtl = Map.copyOf(redisTtl);
        positive("sink.roll.max-records", rollMaxRecords);
        positive("sink.roll.max-bytes", rollMaxBytes);
        positive("sink.max-open-buffers", maxOpenBuffers);
        positive("sink.max-buffered-bytes", maxBufferedBytes);
        positive("sink.roll.max-age", rollMaxAge);
        positive("sink.roll.check-interval", rollCheckInterval);
        positive("sink.redis.tombstone-ttl", tombstoneTtl);
        positive("sink.retry.initial-backoff", retryInitialBackoff);
        positive("sink.retry.max-backoff", retryMaxBackoff);
        if (lakeDedupeTtl == null || lakeDedupeTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("sink.lake.dedupe-ttl must be at least 1s, got " + lakeDedupeTtl);
        }
        if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
            throw new IllegalArgumentException("sink.retry.max-backoff (" + retryMaxBackoff
                    + ") must not be shorter than sink.retry.initial-backoff (" + retryInitialBackoff + ")");
        }
        if (multipartPartSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("sink.lake.multipart-part-size must be at least 5M (S3's minimum part size), got "
                    + multipartPartSize + " bytes");
        }
        if (multipartThreshold < multipartPartSize) {
            throw new IllegalArgumentException("sink.lake.multipart-threshold must be at least sink.lake.multipart-part-size");
        }
        redisTtl.forEach((table, ttl) -> positive("sink.redis.ttl." + table, ttl));
        if (tombstoneTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("sink.redis.tombstone-ttl must be at least 1s, got " + tombstoneTtl);
        }
        redisTtl.forEach((table, ttl) -> {
            if (ttl.toSeconds() < 1) {
                throw new IllegalArgumentException("sink.redis.ttl." + table + " must be at least 1s, got " + ttl);
            }
        });
    }

    /** Checked settings from the typed configuration. */
    public static SinkSettings from(SinkConfig config) {
        requireAvailable(config.lake().compression(), ImageMode.current() == ImageMode.NATIVE_RUN);
        return new SinkSettings(config.viewTopicPrefix(), config.lake().bucket(), config.lake().objectPrefix().orElse(""),
                config.lake().compression(), config.lake().multipartThreshold().asLongValue(),
                config.lake().multipartPartSize().asLongValue(), config.roll().maxRecords(),
                config.roll().maxBytes().asLongValue(), config.roll().maxAge(), config.roll().checkInterval(),
                config.maxOpenBuffers(), config.maxBufferedBytes().asLongValue(), config.redis().keyPrefix(), config.redis().ttl(), config.redis().tombstoneTtl(),
                config.retry().initialBackoff(), config.retry().maxBackoff(), config.lake().dedupeTtl());
    }

    /**
     * Most serialized bytes the open files hold together: max-buffered-bytes, or less when the per-file limits are
     * lower. The rolled files waiting for their upload hold at most as much again.
     */
    public long bufferBound() {
        return Math.min(maxBufferedBytes, maxOpenBuffers * rollMaxBytes);
    }

    /** Most serialized bytes held in memory: in open files and in files waiting for their upload. */
    public long memoryBound() {
        return 2 * bufferBound();
    }

    /**
     * Fails start-up when the codec's library is not in this executable: zstd-jni's native library and JNI access are
     * not registered for the native image (snappy's are, gzip needs none).
     */
    static void requireAvailable(SinkConfig.Compression compression, boolean nativeExecutable) {
        if (nativeExecutable && compression == SinkConfig.Compression.ZSTD) {
            throw new IllegalArgumentException("sink.lake.compression=zstd is not available in the native executable"
                    + " (zstd-jni is not registered for it): use snappy, gzip or uncompressed, or run the JVM build");
        }
    }

    /** Row expiry of a table, or null for none. */
    public Duration ttlOf(String table) {
        return redisTtl.get(table);
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration, got " + value);
        }
    }
}
