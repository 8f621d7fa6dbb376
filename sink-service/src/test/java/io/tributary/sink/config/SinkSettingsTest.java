package io.tributary.sink.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SinkSettingsTest {

    static SinkSettings settings(int maxRecords, Duration maxAge, long partSize, Map<String, Duration> ttl) {
        return new SinkSettings("tributary.view.", "lake", "", SinkConfig.Compression.SNAPPY, 16 << 20, partSize, maxRecords,
                1 << 20, maxAge, Duration.ofMillis(100), 4, 16 << 20, "t:", ttl, Duration.ofHours(1), Duration.ofMillis(10),
                Duration.ofMillis(50), Duration.ofDays(7));
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> settings(0, Duration.ofSeconds(1), 8 << 20, Map.of()))
                .hasMessageContaining("sink.roll.max-records");
        assertThatThrownBy(() -> settings(1, Duration.ZERO, 8 << 20, Map.of()))
                .hasMessageContaining("sink.roll.max-age");
        assertThatThrownBy(() -> settings(1, Duration.ofSeconds(1), 1 << 20, Map.of()))
                .hasMessageContaining("sink.lake.multipart-part-size");
        assertThatThrownBy(() -> settings(1, Duration.ofSeconds(1), 8 << 20, Map.of("orders", Duration.ofMillis(5))))
                .hasMessageContaining("sink.redis.ttl.orders");
        assertThatThrownBy(() -> new SinkSettings("tributary.view.", "lake", "", SinkConfig.Compression.SNAPPY, 16 << 20,
                8 << 20, 1, 1 << 20, Duration.ofSeconds(1), Duration.ofMillis(100), 4, 16 << 20, "t:", Map.of(), Duration.ofHours(1),
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ZERO))
                .hasMessageContaining("sink.lake.dedupe-ttl");
        assertThatThrownBy(() -> new SinkSettings("tributary.view.", "lake", "", SinkConfig.Compression.SNAPPY, 16 << 20,
                8 << 20, 1, 1 << 20, Duration.ofSeconds(1), Duration.ofMillis(100), 4, 0, "t:", Map.of(), Duration.ofHours(1),
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofDays(7)))
                .hasMessageContaining("sink.max-buffered-bytes");
    }

    @Test
    void zstdIsRefusedOnlyInANativeExecutable() {
        assertThatThrownBy(() -> SinkSettings.requireAvailable(SinkConfig.Compression.ZSTD, true))
                .hasMessageContaining("sink.lake.compression=zstd");
        SinkSettings.requireAvailable(SinkConfig.Compression.ZSTD, false);
        SinkSettings.requireAvailable(SinkConfig.Compression.SNAPPY, true);
        SinkSettings.requireAvailable(SinkConfig.Compression.GZIP, true);
    }
}
