package io.tributary.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.sink.config.SinkConfig;
import io.tributary.sink.config.SinkSettings;
import io.tributary.sink.lake.ObjectStore;
import io.tributary.sink.redis.LatestState;
import io.tributary.sink.testing.ParquetFiles;
import io.tributary.sink.testing.Views;
import io.tributary.sink.view.ViewRecord;

class SinkEngineTest {

    private static final long HOUR_10 = Instant.parse("2026-11-23T10:05:00Z").toEpochMilli();
    private static final long HOUR_11 = Instant.parse("2026-11-23T11:05:00Z").toEpochMilli();

    private final FakeStore store = new FakeStore();
    private final List<ViewRecord> redis = new ArrayList<>();
    private final AtomicInteger redisFailures = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final SinkStatus status = new SinkStatus();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private SinkEngine engine(int maxRecords, int maxOpen) {
        SinkSettings settings = new SinkSettings("tributary.view.", "lake", "", SinkConfig.Compression.SNAPPY, 16 << 20,
                8 << 20, maxRecords, 1 << 20, Duration.ofSeconds(60), Duration.ofMillis(100), maxOpen, "t:", Map.of(),
                Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(5));
        SinkMetrics metrics = new SinkMetrics(registry);
        LatestState latest = changes -> {
            if (redisFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("redis down");
            }
            redis.addAll(changes);
            return new LatestState.Outcome(Map.of(), Map.of());
        };
        return new SinkEngine(settings, store, latest, clock::get, metrics,
                new Retrier(Duration.ofMillis(1), Duration.ofMillis(5), status, metrics));
    }

    private static List<ViewRecord> customers(int partition, long firstOffset, int count, long tsMs) {
        List<GenericRecord> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = firstOffset + i;
            values.add(Views.customerChange("e" + partition + "-" + id, "INSERT", 1000 + id, tsMs, id,
                    Views.customer(id, "n" + id, null, null, tsMs)));
        }
        return Views.records(Views.CUSTOMER_TOPIC, partition, firstOffset, values);
    }

    @Test
    void rollsAtMaxRecordsAndAcksOnlyWhenEveryRowIsUploaded() {
        SinkEngine engine = engine(3, 8);
        AtomicInteger acks = new AtomicInteger();
        engine.accept(customers(0, 0, 2, HOUR_10), acks::incrementAndGet);
        assertThat(store.objects).isEmpty();
        assertThat(acks).hasValue(0);
        assertThat(redis).hasSize(2);

        engine.accept(customers(0, 2, 2, HOUR_10), acks::incrementAndGet);
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet");
        assertThat(acks).hasValue(1); // the second batch still has offset 3 open
        assertThat(ParquetFiles.read(store.objects.values().iterator().next())).hasSize(3);
    }

    @Test
    void rollsByWallClockAgeWithoutNewRecords() {
        SinkEngine engine = engine(1000, 8);
        AtomicInteger acks = new AtomicInteger();
        engine.accept(customers(1, 5, 2, HOUR_10), acks::incrementAndGet);
        clock.addAndGet(59_999);
        engine.tick();
        assertThat(store.objects).isEmpty();
        clock.addAndGet(1);
        engine.tick();
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+1+5-6.parquet");
        assertThat(acks).hasValue(1);
    }

    @Test
    void anotherEventHourClosesTheFileAndTombstoneOnlyBatchesAckAtOnce() {
        SinkEngine engine = engine(1000, 8);
        engine.accept(customers(0, 0, 2, HOUR_10), () -> { });
        engine.accept(customers(0, 2, 1, HOUR_11), () -> { });
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-1.parquet");
        AtomicInteger acks = new AtomicInteger();
        engine.accept(List.of(), acks::incrementAndGet);
        assertThat(acks).hasValue(1);
    }

    @Test
    void boundsOpenFilesByRollingTheOldest() {
        SinkEngine engine = engine(1000, 2);
        engine.accept(customers(0, 0, 1, HOUR_10), () -> { });
        clock.incrementAndGet();
        engine.accept(customers(1, 0, 1, HOUR_10), () -> { });
        clock.incrementAndGet();
        engine.accept(customers(2, 0, 1, HOUR_10), () -> { });
        assertThat(engine.openBuffers()).isEqualTo(2);
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-0.parquet");
    }

    @Test
    void redeliveredRowsAlreadyInAFileAreNotWrittenAgain() {
        SinkEngine first = engine(3, 8);
        first.accept(customers(0, 0, 3, HOUR_10), () -> { });
        first.accept(customers(0, 3, 2, HOUR_10), () -> { }); // open, then "crash"
        Map<String, byte[]> before = new TreeMap<>(store.objects);

        SinkEngine restarted = engine(3, 8);
        AtomicInteger acks = new AtomicInteger();
        restarted.accept(customers(0, 1, 4, HOUR_10), acks::incrementAndGet); // committed offset was mid-file
        restarted.flushAll();
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet",
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+3-4.parquet");
        assertThat(store.objects.get("customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet"))
                .isEqualTo(before.get("customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet"));
        assertThat(acks).hasValue(1);
        assertThat(store.puts).hasValue(2);
    }

    @Test
    void retriesWhileS3OrRedisIsDownAndSaysDegraded() {
        SinkEngine engine = engine(2, 8);
        store.failures.set(3);
        redisFailures.set(2);
        AtomicInteger acks = new AtomicInteger();
        engine.accept(customers(0, 0, 2, HOUR_10), acks::incrementAndGet);
        assertThat(acks).hasValue(1);
        assertThat(store.objects).hasSize(1);
        assertThat(redis).hasSize(2);
        assertThat(status.degraded()).isFalse();
        assertThat(registry.get("tributary.sink.failures").tag("dependency", "s3").counter().count()).isEqualTo(3);
        assertThat(registry.get("tributary.sink.failures").tag("dependency", "redis").counter().count()).isEqualTo(2);
        assertThat(registry.get("tributary.sink.rows.written").tag("table", "customer_view").counter().count()).isEqualTo(2);
    }

    @Test
    void aRewoundPartitionDropsItsOpenFileAndWritesTheRereadRowsOnce() {
        SinkEngine engine = engine(1000, 8);
        AtomicInteger firstAcks = new AtomicInteger();
        AtomicInteger secondAcks = new AtomicInteger();
        engine.accept(customers(0, 0, 2, HOUR_10), firstAcks::incrementAndGet);
        engine.accept(customers(0, 0, 3, HOUR_10), secondAcks::incrementAndGet); // e.g. a seek back to 0
        engine.flushAll();
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet");
        assertThat(ParquetFiles.read(store.objects.values().iterator().next())).hasSize(3);
        assertThat(secondAcks).hasValue(1);
        assertThat(firstAcks).as("the dropped rows are acknowledged by the redelivery only").hasValue(0);
    }

    static final class FakeStore implements ObjectStore {
        final Map<String, byte[]> objects = new TreeMap<>();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();

        @Override
        public void put(String key, byte[] content) {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("s3 down");
            }
            puts.incrementAndGet();
            objects.put(key, content);
        }

        @Override
        public List<String> list(String prefix) {
            return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        }
    }
}
