package io.tributary.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.sink.config.SinkConfig;
import io.tributary.sink.config.SinkSettings;
import io.tributary.sink.dedupe.UploadedEvents;
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
    private final FakeUploadedEvents uploadedEvents = new FakeUploadedEvents();
    private final ExecutorService uploader = Executors.newSingleThreadExecutor();
    /** One permit per upload done on {@link #uploader}. */
    private final Semaphore uploadsDone = new Semaphore(0);

    @AfterEach
    void stopUploader() {
        store.gate = null;
        uploader.shutdownNow();
    }

    /** An engine whose files upload on {@link #uploader}, as in the service, each held at the store's closed gate. */
    private SinkEngine uploadingAsideAtAGate(SinkSettings settings) {
        SinkEngine engine = engine(settings);
        engine.uploadOn(uploader, uploadsDone::release);
        store.gate = new CountDownLatch(1);
        return engine;
    }

    /** {@code action} runs on another thread and is still waiting after 300 ms; then the gate opens and it ends. */
    private void waitsForTheGate(Runnable action, Runnable whileWaiting) throws Exception {
        CompletableFuture<Void> running = CompletableFuture.runAsync(action);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !running.isDone());
        whileWaiting.run();
        store.gate.countDown();
        running.get(10, TimeUnit.SECONDS);
    }

    private void awaitUploads(int count) throws InterruptedException {
        assertThat(uploadsDone.tryAcquire(count, 10, TimeUnit.SECONDS)).as("%d uploads done", count).isTrue();
    }

    static SinkSettings settings(int maxRecords, int maxOpen) {
        return settings(maxRecords, maxOpen, 64L << 20);
    }

    static SinkSettings settings(int maxRecords, int maxOpen, long maxBufferedBytes) {
        return new SinkSettings("tributary.view.", "lake", "", SinkConfig.Compression.SNAPPY, 16 << 20,
                8 << 20, maxRecords, 1 << 20, Duration.ofSeconds(60), Duration.ofMillis(100), maxOpen, maxBufferedBytes, "t:",
                Map.of(), Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofDays(7));
    }

    private SinkEngine engine(int maxRecords, int maxOpen) {
        return engine(settings(maxRecords, maxOpen));
    }

    private SinkEngine engine(SinkSettings settings) {
        SinkMetrics metrics = new SinkMetrics(registry);
        return engine(settings, metrics, new Retrier(Duration.ofMillis(1), Duration.ofMillis(5), status, metrics));
    }

    SinkEngine engine(SinkSettings settings, SinkMetrics metrics, Retrier retrier) {
        LatestState latest = changes -> () -> {
            if (redisFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new UncheckedIOException(new IOException("redis down"));
            }
            redis.addAll(changes);
            return new LatestState.Outcome(Map.of(), Map.of());
        };
        return new SinkEngine(settings, store, latest, clock::get, metrics, retrier, uploadedEvents);
    }

    /** Accepts records of one topic-partition with one ack. */
    private static void accept(SinkEngine engine, List<ViewRecord> records, Runnable ack) {
        String tp = records.isEmpty() ? "none+0" : SinkEngine.partitionKey(records.get(0).topic(), records.get(0).partition());
        engine.accept(records, Map.of(tp, ack));
    }

    private static String tp(int partition) {
        return SinkEngine.partitionKey(Views.CUSTOMER_TOPIC, partition);
    }

    private static List<ViewRecord> concat(List<ViewRecord> first, List<ViewRecord> second) {
        List<ViewRecord> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static String key(int partition, long first, long last) {
        return "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+" + partition + "+" + first + "-" + last + ".parquet";
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
        accept(engine, customers(0, 0, 2, HOUR_10), acks::incrementAndGet);
        assertThat(store.objects).isEmpty();
        assertThat(acks).hasValue(0);
        assertThat(redis).hasSize(2);

        accept(engine, customers(0, 2, 2, HOUR_10), acks::incrementAndGet);
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet");
        assertThat(acks).hasValue(1); // the second batch still has offset 3 open
        assertThat(ParquetFiles.read(store.objects.values().iterator().next())).hasSize(3);
    }

    @Test
    void rollsByWallClockAgeWithoutNewRecords() {
        SinkEngine engine = engine(1000, 8);
        AtomicInteger acks = new AtomicInteger();
        accept(engine, customers(1, 5, 2, HOUR_10), acks::incrementAndGet);
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
    void filesOpenedTogetherRollOneByOnePastHalfTheirAgeNotAllAtMaxAge() {
        SinkEngine engine = engine(1000, 8);
        accept(engine, customers(0, 0, 1, HOUR_10), () -> { });
        clock.incrementAndGet();
        accept(engine, customers(1, 0, 1, HOUR_10), () -> { });
        accept(engine, customers(2, 0, 1, HOUR_10), () -> { });
        clock.addAndGet(29_998); // the first file is 29,999 ms old: under half of max-age (60 s)
        engine.tick();
        assertThat(store.objects).isEmpty();
        clock.incrementAndGet();
        engine.tick();
        assertThat(store.objects).as("only the first file is past half its age").isEmpty();

        clock.incrementAndGet();
        engine.tick();
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-0.parquet");
        clock.addAndGet(1_000);
        engine.tick();
        assertThat(store.objects).hasSize(2);
        clock.addAndGet(1_000);
        engine.tick();
        assertThat(store.objects).as("the last file, alone past half its age, waits for max-age").hasSize(2);
        clock.addAndGet(27_999);
        engine.tick();
        assertThat(store.objects).hasSize(2);
        clock.incrementAndGet(); // the last file is 60,000 ms old
        engine.tick();
        assertThat(store.objects).hasSize(3);
    }

    @Test
    void anotherEventHourClosesTheFileAndTombstoneOnlyBatchesAckAtOnce() {
        SinkEngine engine = engine(1000, 8);
        accept(engine, customers(0, 0, 2, HOUR_10), () -> { });
        accept(engine, customers(0, 2, 1, HOUR_11), () -> { });
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-1.parquet");
        AtomicInteger acks = new AtomicInteger();
        accept(engine, List.of(), acks::incrementAndGet);
        assertThat(acks).hasValue(1);
    }

    @Test
    void boundsOpenFilesByRollingTheOldest() {
        SinkEngine engine = engine(1000, 2);
        accept(engine, customers(0, 0, 1, HOUR_10), () -> { });
        clock.incrementAndGet();
        accept(engine, customers(1, 0, 1, HOUR_10), () -> { });
        clock.incrementAndGet();
        accept(engine, customers(2, 0, 1, HOUR_10), () -> { });
        assertThat(engine.openBuffers()).isEqualTo(2);
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-0.parquet");
    }

    @Test
    void boundsBufferedBytesByRollingTheLargestFile() {
        SinkEngine engine = engine(settings(1000, 8, 500)); // test rows take 100 bytes each
        AtomicInteger acks = new AtomicInteger();
        accept(engine, customers(0, 0, 4, HOUR_10), acks::incrementAndGet);
        accept(engine, customers(1, 0, 1, HOUR_10), () -> { });
        assertThat(engine.bufferedBytes()).isEqualTo(500);
        assertThat(store.objects).isEmpty();

        accept(engine, customers(1, 1, 1, HOUR_10), () -> { });
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 3));
        assertThat(ParquetFiles.read(store.objects.get(key(0, 0, 3)))).hasSize(4);
        assertThat(acks).hasValue(1);
        assertThat(engine.bufferedBytes()).isEqualTo(200);
        assertThat(engine.openBuffers()).isEqualTo(1);
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void theNextBatchReachesRedisWhileAFileIsUploadingAndItsRowsAckAfterTheUpload() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(2, 8));
        AtomicInteger acks1 = new AtomicInteger();
        AtomicInteger acks2 = new AtomicInteger();
        accept(engine, customers(0, 0, 2, HOUR_10), acks1::incrementAndGet); // rolls: the upload waits at the gate
        accept(engine, customers(0, 2, 1, HOUR_10), acks2::incrementAndGet);

        assertThat(redis).hasSize(3);
        assertThat(store.objects).isEmpty();
        assertThat(acks1).as("not acked before its file is in the lake").hasValue(0);
        assertThat(engine.bufferedBytes()).as("the file waiting for its upload is still held").isEqualTo(300);

        store.gate.countDown();
        awaitUploads(1);
        assertThat(uploadedEvents.ids).contains("customer_view:e0-0", "customer_view:e0-1");
        engine.completeUploads();
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1));
        assertThat(acks1).hasValue(1);
        assertThat(acks2).hasValue(0);
        assertThat(engine.bufferedBytes()).isEqualTo(100);
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void aChangeWhoseFileIsStillUploadingIsNotWrittenAgain() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(1, 8));
        accept(engine, List.of(customerAt(0, 0, "eA", 1)), () -> { }); // rolls at once, waits at the gate
        accept(engine, List.of(customerAt(1, 0, "eA", 1)), () -> { }); // the same change on another partition

        store.gate.countDown();
        awaitUploads(1);
        engine.flushAll();
        assertThat(eventIdsInLake()).containsExactly("eA");
        assertThat(registry.get("tributary.sink.duplicates.dropped").tag("table", "customer_view").counter().count())
                .isEqualTo(1);
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void onceTheFilesWaitingForUploadHoldTheBoundTheNextRollWaitsForTheOldest() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(2, 8, 250)); // test rows take 100 bytes each
        accept(engine, customers(0, 0, 2, HOUR_10), () -> { }); // 200 bytes waiting for their upload

        waitsForTheGate(() -> accept(engine, customers(0, 2, 2, HOUR_10), () -> { }),
                () -> assertThat(redis).as("the batch reached Redis before its roll waited").hasSize(4));
        awaitUploads(2);
        engine.flushAll();
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1), key(0, 2, 3));
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void aRevokedPartitionWaitsForItsUploadsBeforeItIsLetGo() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(2, 8));
        AtomicInteger acks = new AtomicInteger();
        accept(engine, customers(0, 0, 2, HOUR_10), acks::incrementAndGet);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.atGate.get() == 1); // under way, not just queued

        waitsForTheGate(() -> engine.partitionsRevoked(List.of(tp(0))), () -> { });
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1));
        assertThat(acks).as("acked before the partition is let go").hasValue(1);
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void aRevokedPartitionsFileNotYetUploadingIsDroppedNotUploaded() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(2, 8));
        AtomicInteger acks0 = new AtomicInteger();
        AtomicInteger acks1 = new AtomicInteger();
        accept(engine, customers(1, 0, 2, HOUR_10), acks1::incrementAndGet); // uploading, held at the gate
        accept(engine, customers(0, 0, 2, HOUR_10), acks0::incrementAndGet); // waiting behind it

        waitsForTheGate(() -> engine.partitionsRevoked(List.of(tp(0))), () -> { });
        assertThat(store.objects.keySet()).as("the next owner writes partition 0's rows").containsExactly(key(1, 0, 1));
        assertThat(acks0).hasValue(0);
        assertThat(acks1).hasValue(1);

        // the partition comes back: its rows are written again, not dropped as if they were in a file
        engine.partitionsAssigned(List.of(tp(0)));
        accept(engine, customers(0, 0, 2, HOUR_10), acks0::incrementAndGet);
        awaitUploads(3);
        engine.flushAll();
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1), key(1, 0, 1));
        assertThat(acks0).hasValue(1);
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void aFailedUploadFailsTheEngineAndTheFilesAfterItAreNotUploaded() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(1, 8));
        store.forbidden = true;
        AtomicInteger acks = new AtomicInteger();
        accept(engine, customers(0, 0, 1, HOUR_10), acks::incrementAndGet);
        accept(engine, customers(0, 1, 1, HOUR_10), acks::incrementAndGet);
        store.gate.countDown();
        awaitUploads(2);
        store.forbidden = false; // the second file could be uploaded now, but must not be: it would follow a hole

        assertThatThrownBy(engine::completeUploads).isInstanceOf(IllegalStateException.class).hasMessageContaining("403");
        assertThat(store.objects).isEmpty();
        assertThat(acks).hasValue(0);
    }

    @Test
    void redeliveredRowsAlreadyInAFileAreNotWrittenAgain() {
        SinkEngine first = engine(3, 8);
        accept(first, customers(0, 0, 3, HOUR_10), () -> { });
        accept(first, customers(0, 3, 2, HOUR_10), () -> { }); // open, then "crash"
        Map<String, byte[]> before = new TreeMap<>(store.objects);

        SinkEngine restarted = engine(3, 8);
        AtomicInteger acks = new AtomicInteger();
        accept(restarted, customers(0, 1, 4, HOUR_10), acks::incrementAndGet); // committed offset was mid-file
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
    void withUnorderedPushALateOffsetInsideAnUploadedFileIsWrittenNotTakenAsThere() {
        // push, unordered: offsets 0 and 2 reached the engine and were uploaded as file 0-2; 1 came late (refused)
        List<ViewRecord> three = customers(0, 0, 3, HOUR_10);
        SinkEngine first = engine(2, 8);
        first.offsetRangesMayHaveHoles();
        accept(first, List.of(three.get(0), three.get(2)), () -> { });
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 2));

        // after a restart the source resends 1 (refused before), then 2 again (its answer was lost)
        SinkEngine restarted = engine(2, 8);
        restarted.offsetRangesMayHaveHoles();
        AtomicInteger acks = new AtomicInteger();
        accept(restarted, List.of(three.get(1)), acks::incrementAndGet);
        restarted.flushAll();
        accept(restarted, List.of(three.get(2)), acks::incrementAndGet);
        restarted.flushAll();

        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 2), key(0, 1, 1));
        assertThat(ParquetFiles.read(store.objects.get(key(0, 1, 1)))).hasSize(1);
        assertThat(acks).hasValue(2);
        assertThat(store.puts).hasValue(2);
    }

    @Test
    void withoutHolesACoveringFileStillMeansTheOffsetIsThere() {
        // the same late offset without the push setting: taken as in the lake (the pull-mode rule, contiguous files)
        List<ViewRecord> three = customers(0, 0, 3, HOUR_10);
        SinkEngine first = engine(2, 8);
        accept(first, List.of(three.get(0), three.get(2)), () -> { });
        SinkEngine restarted = engine(2, 8);
        accept(restarted, List.of(three.get(1)), () -> { });
        restarted.flushAll();
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 2));
    }

    @Test
    void retriesWhileS3OrRedisIsDownAndSaysDegraded() {
        SinkEngine engine = engine(2, 8);
        store.failures.set(3);
        redisFailures.set(2);
        AtomicInteger acks = new AtomicInteger();
        accept(engine, customers(0, 0, 2, HOUR_10), acks::incrementAndGet);
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
        accept(engine, customers(0, 0, 2, HOUR_10), firstAcks::incrementAndGet);
        accept(engine, customers(0, 0, 3, HOUR_10), secondAcks::incrementAndGet); // e.g. a seek back to 0
        engine.flushAll();
        assertThat(store.objects.keySet()).containsExactly(
                "customer_view/dt=2026-11-23/hr=10/tributary.view.customer_view+0+0-2.parquet");
        assertThat(ParquetFiles.read(store.objects.values().iterator().next())).hasSize(3);
        assertThat(secondAcks).hasValue(1);
        assertThat(firstAcks).as("the dropped rows are acknowledged by the redelivery only").hasValue(0);
    }

    @Test
    @Timeout(20) // without uploads aside, the gate would hold the test's own thread
    void aRewindWaitsForTheUploadUnderWayThenWritesOnlyWhatIsNotInTheLake() throws Exception {
        SinkEngine engine = uploadingAsideAtAGate(settings(2, 8));
        AtomicInteger firstAcks = new AtomicInteger();
        AtomicInteger rereadAcks = new AtomicInteger();
        accept(engine, customers(0, 0, 2, HOUR_10), firstAcks::incrementAndGet); // rolls: its upload waits at the gate
        await().atMost(Duration.ofSeconds(5)).until(() -> store.atGate.get() == 1);

        // a seek back to 0 while offsets 0..1 are being uploaded: the engine must know whether they landed
        waitsForTheGate(() -> accept(engine, customers(0, 0, 3, HOUR_10), rereadAcks::incrementAndGet), () -> { });
        engine.flushAll();

        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1), key(0, 2, 2));
        assertThat(eventIdsInLake()).as("each change once").containsExactlyInAnyOrder("e0-0", "e0-1", "e0-2");
        assertThat(firstAcks).hasValue(1);
        assertThat(rereadAcks).hasValue(1);
    }

    private static ViewRecord customerAt(int partition, long offset, String eventId, long id) {
        return Views.records(Views.CUSTOMER_TOPIC, partition, offset, List.of(Views.customerChange(eventId, "UPDATE",
                1000 + id, HOUR_10, id, Views.customer(id, "n" + id, null, null, HOUR_10)))).get(0);
    }

    private List<String> eventIdsInLake() {
        List<String> ids = new ArrayList<>();
        for (byte[] file : store.objects.values()) {
            ParquetFiles.read(file).forEach(row -> ids.add(String.valueOf(row.get("_event_id"))));
        }
        return ids;
    }

    @Test
    void theSameEventIdAtAnotherOffsetLandsOnceInTheLake() {
        SinkEngine engine = engine(2, 8);
        AtomicInteger acks = new AtomicInteger();
        accept(engine, List.of(customerAt(0, 0, "eA", 1), customerAt(0, 1, "eB", 2)), acks::incrementAndGet); // uploaded
        // the processor published eA again (its crash window), then eC, and eD twice while its file is open
        accept(engine, List.of(customerAt(0, 2, "eA", 1), customerAt(0, 3, "eC", 3)), acks::incrementAndGet);
        accept(engine, List.of(customerAt(1, 0, "eD", 4)), acks::incrementAndGet);
        accept(engine, List.of(customerAt(1, 1, "eD", 4)), acks::incrementAndGet);
        engine.flushAll();
        assertThat(eventIdsInLake()).containsExactlyInAnyOrder("eA", "eB", "eC", "eD");
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1), key(0, 3, 3), key(1, 0, 0));
        assertThat(acks).hasValue(4);

        // after a restart, a copy of an uploaded event at a new offset is still dropped (recorded after its upload)
        SinkEngine restarted = engine(2, 8);
        AtomicInteger lateAck = new AtomicInteger();
        accept(restarted, List.of(customerAt(0, 4, "eB", 2)), lateAck::incrementAndGet);
        restarted.flushAll();
        assertThat(eventIdsInLake()).containsExactlyInAnyOrder("eA", "eB", "eC", "eD");
        assertThat(lateAck).hasValue(1);
        assertThat(registry.get("tributary.sink.duplicates.dropped").tag("table", "customer_view").counter().count())
                .isEqualTo(3);
    }

    /** The dedupe identity is the table and the event id: one event id in two views is two rows, open or uploaded. */
    @Test
    void theSameEventIdInAnotherTableIsAnotherRow() {
        SinkEngine engine = engine(1000, 8);
        ViewRecord order = Views.records(Views.ORDER_TOPIC, 0, 0, List.of(Views.orderChange("eA", "INSERT", 1000, HOUR_10, 1,
                Views.order(1, 1, "1.00", null, Instant.ofEpochMilli(HOUR_10))))).get(0);
        accept(engine, List.of(customerAt(0, 0, "eA", 1)), () -> { });
        accept(engine, List.of(order), () -> { });
        engine.flushAll();
        accept(engine, List.of(Views.records(Views.ORDER_TOPIC, 0, 1, List.of(Views.orderChange("eB", "INSERT", 1001, HOUR_10, 2,
                Views.order(2, 1, "1.00", null, Instant.ofEpochMilli(HOUR_10))))).get(0)), () -> { });
        accept(engine, List.of(customerAt(0, 1, "eB", 2)), () -> { });
        engine.flushAll();
        assertThat(eventIdsInLake()).containsExactlyInAnyOrder("eA", "eA", "eB", "eB");
        assertThat(uploadedEvents.ids).containsExactlyInAnyOrder("customer_view:eA", "order_view:eA", "customer_view:eB",
                "order_view:eB");
    }

    @Test
    void eventIdsAreRecordedOnlyAfterTheirFileIsUploaded() {
        SinkEngine engine = engine(1000, 8);
        accept(engine, List.of(customerAt(0, 0, "eA", 1)), () -> { });
        assertThat(uploadedEvents.ids).isEmpty();
        engine.flushAll();
        assertThat(uploadedEvents.ids).containsExactly("customer_view:eA");
    }

    @Test
    void aRevokedPartitionDropsItsOpenFileAndTheNextAssignmentRecovers() {
        SinkEngine engine = engine(1000, 8);
        AtomicInteger acks0 = new AtomicInteger();
        AtomicInteger acks1 = new AtomicInteger();
        accept(engine, customers(0, 0, 2, HOUR_10), acks0::incrementAndGet);
        accept(engine, customers(1, 0, 1, HOUR_10), acks1::incrementAndGet);

        engine.partitionsRevoked(List.of(tp(0)));
        assertThat(engine.openBuffers()).isEqualTo(1);
        engine.flushAll();
        assertThat(store.objects.keySet()).as("the revoked partition's file is never uploaded").containsExactly(key(1, 0, 0));
        assertThat(acks0).hasValue(0);
        assertThat(acks1).hasValue(1);

        // meanwhile the next owner wrote offsets 0..2; the partition comes back and is read from offset 1
        SinkEngine other = engine(1000, 8);
        accept(other, customers(0, 0, 3, HOUR_10), () -> { });
        other.flushAll();
        engine.partitionsAssigned(List.of(tp(0)));
        AtomicInteger again = new AtomicInteger();
        accept(engine, customers(0, 1, 4, HOUR_10), again::incrementAndGet);
        engine.flushAll();
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 2), key(0, 3, 4), key(1, 0, 0));
        assertThat(again).hasValue(1);
    }

    @Test
    void eachPartitionOfABatchIsAcknowledgedOnItsOwn() {
        SinkEngine engine = engine(2, 8);
        AtomicInteger acks0 = new AtomicInteger();
        AtomicInteger acks1 = new AtomicInteger();
        Map<String, Runnable> acks = new LinkedHashMap<>();
        acks.put(tp(0), acks0::incrementAndGet);
        acks.put(tp(1), acks1::incrementAndGet);
        engine.accept(concat(customers(0, 0, 2, HOUR_10), customers(1, 0, 1, HOUR_10)), acks);
        assertThat(store.objects.keySet()).containsExactly(key(0, 0, 1));
        assertThat(acks0).as("partition 0 is uploaded: acked although partition 1 is still open").hasValue(1);
        assertThat(acks1).hasValue(0);
        engine.flushAll();
        assertThat(acks1).hasValue(1);
    }

    @Test
    void aRewoundPartitionDoesNotHoldBackTheOtherPartitionsOfItsBatch() {
        SinkEngine engine = engine(1000, 8);
        AtomicInteger first0 = new AtomicInteger();
        AtomicInteger first1 = new AtomicInteger();
        Map<String, Runnable> acks = new HashMap<>();
        acks.put(tp(0), first0::incrementAndGet);
        acks.put(tp(1), first1::incrementAndGet);
        engine.accept(concat(customers(0, 0, 1, HOUR_10), customers(1, 0, 1, HOUR_10)), acks);
        AtomicInteger second0 = new AtomicInteger();
        accept(engine, customers(0, 0, 2, HOUR_10), second0::incrementAndGet); // a seek back to 0 drops p0's file
        engine.flushAll();
        assertThat(first1).hasValue(1);
        assertThat(first0).hasValue(0);
        assertThat(second0).hasValue(1);
    }

    @Test
    void aPartitionWithOnlyTombstonesInTheBatchIsAcknowledgedAtOnce() {
        SinkEngine engine = engine(1000, 8);
        AtomicInteger acks0 = new AtomicInteger();
        AtomicInteger acks1 = new AtomicInteger();
        engine.accept(customers(0, 0, 1, HOUR_10), Map.of(tp(0), acks0::incrementAndGet, tp(1), acks1::incrementAndGet));
        assertThat(acks0).hasValue(0);
        assertThat(acks1).hasValue(1);
    }

    @Test
    @Timeout(20)
    void anErrorThatIsNotAnOutageIsNotRetried() {
        SinkEngine engine = engine(1, 8);
        store.forbidden = true;
        assertThatThrownBy(() -> accept(engine, customers(0, 0, 1, HOUR_10), () -> { }))
                .hasMessageContaining("403");
        assertThat(registry.find("tributary.sink.failures").counter()).isNull();
        assertThat(status.degraded()).isFalse();
    }

    @Test
    @Timeout(20)
    void aChangeThatCannotBeRenderedFailsOutsideTheRetry() {
        SinkMetrics metrics = new SinkMetrics(registry);
        LatestState unrenderable = changes -> {
            throw new IllegalArgumentException("cannot render column x");
        };
        SinkEngine engine = new SinkEngine(settings(1000, 8), store, unrenderable, clock::get, metrics,
                new Retrier(Duration.ofMillis(1), Duration.ofMillis(5), status, metrics), uploadedEvents);
        assertThatThrownBy(() -> accept(engine, customers(0, 0, 1, HOUR_10), () -> { }))
                .hasMessageContaining("cannot render");
        assertThat(registry.find("tributary.sink.failures").counter()).isNull();
    }

    static final class FakeStore implements ObjectStore {
        final Map<String, byte[]> objects = Collections.synchronizedSortedMap(new TreeMap<>());
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();
        volatile boolean forbidden;
        /** While set, a put waits for it to open. */
        volatile CountDownLatch gate;
        /** Puts that reached the gate. */
        final AtomicInteger atGate = new AtomicInteger();

        @Override
        public void put(String key, ByteBuffer content) {
            CountDownLatch closed = gate;
            if (closed != null) {
                atGate.incrementAndGet();
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new UncheckedIOException(new IOException("s3 down"));
            }
            if (forbidden) {
                throw new IllegalStateException("403 Access Denied");
            }
            puts.incrementAndGet();
            byte[] bytes = new byte[content.remaining()];
            content.duplicate().get(bytes);
            objects.put(key, bytes);
        }

        @Override
        public List<String> list(String prefix) {
            return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        }
    }

    static final class FakeUploadedEvents implements UploadedEvents {
        final Set<String> ids = new HashSet<>();

        @Override
        public Set<String> uploaded(List<ViewRecord> changes) {
            Set<String> found = new HashSet<>();
            for (ViewRecord change : changes) {
                String id = UploadedEvents.id(change.table(), change.eventId());
                if (ids.contains(id)) {
                    found.add(id);
                }
            }
            return found;
        }

        @Override
        public void record(String table, Collection<String> eventIds) {
            eventIds.forEach(eventId -> ids.add(UploadedEvents.id(table, eventId)));
        }
    }
}
