package io.tributary.sink.engine;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.apache.avro.Schema;
import org.jboss.logging.Logger;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.tributary.logging.ChangeLog;
import io.tributary.sink.config.SinkSettings;
import io.tributary.sink.dedupe.UploadedEvents;
import io.tributary.sink.lake.ObjectNames;
import io.tributary.sink.lake.ObjectStore;
import io.tributary.sink.parquet.ParquetRowWriter;
import io.tributary.sink.redis.LatestState;
import io.tributary.sink.view.ViewRecord;

/**
 * The sink's core, independent of Kafka: takes batches of view records, applies them to the latest state,
 * groups them into open files, rolls and uploads files, and acknowledges a batch once every row of it is in
 * an uploaded file and in the latest state.
 *
 * <p>Files: one open file per topic-partition at a time, so the files of a partition hold contiguous,
 * disjoint offset ranges, all of one table, one event hour and one view schema. A file rolls at
 * {@code max-records}, {@code max-bytes}, {@code max-age} (wall clock, checked by {@link #tick()}), when the
 * partition's next row belongs to another hour or schema, when more than {@code max-open-buffers} files
 * are open (the oldest rolls), or when the open files together hold more than {@code max-buffered-bytes} (the
 * largest rolls).
 *
 * <p>Uploads: a rolled file is encoded, uploaded and its event ids recorded on the uploader ({@link #uploadOn}; by
 * default the calling thread), so that applying the next batches to Redis does not wait for the lake. Files are
 * uploaded one at a time in the order they rolled, and what follows an upload (its rows leave the open ids, their
 * tickets ack) runs on the engine's thread ({@link #completeUploads}), in that order. Files waiting for their
 * upload hold at most as many bytes as the open files may ({@link SinkSettings#bufferBound()}); past it the engine
 * waits for the oldest upload. Before a partition is let go, its files not yet uploading are dropped (never
 * uploaded, never acknowledged) and the engine waits for the uploads under way; before a rewound partition is read
 * again, and at {@link #flushAll}, it waits for every upload.
 *
 * <p>Exactly once in the lake: after a restart or rebalance, a partition is "recovering" until it reaches an
 * offset no existing file covers. While recovering, each new file first looks in S3 for a file of the same
 * topic-partition and hour whose offset range covers its first row; if there is one, the rows up to its last
 * offset are already in the lake and are not written again (they are still applied to Redis, which is idempotent).
 * Then (dedupe by event id) a row whose table and event id is already in an open file or recorded as uploaded
 * ({@link UploadedEvents}, recorded after each upload) is dropped: the view topic can hold a change twice.
 *
 * <p>Push mode with unordered delivery ({@link #offsetRangesMayHaveHoles}): a file's offset range may miss an offset
 * that arrived late (refused then, resent after a restart). There a covering file is not enough: a row is taken as
 * already in the lake only when its event id is recorded as uploaded too; otherwise it is written again. Nothing is
 * lost that way; a crash between an upload and the recording of its ids can leave a row twice in the lake, which
 * {@code ./pipeline reconcile} reports.
 *
 * <p>Acknowledgement is per topic-partition of a batch ({@link #accept}): one slow partition never holds back the
 * acknowledgement of the others. A partition that is revoked, lost or rewound drops its open file (never
 * uploaded, never acknowledged): its rows are read again by whoever owns it next.
 *
 * <p>Not thread-safe: every call must come from the same thread (the sink worker); only the uploads run elsewhere.
 */
public final class SinkEngine {

    /** Instrumentation scope of the sink spans. */
    public static final String TRACER_NAME = "io.tributary.sink";

    private static final Logger LOG = Logger.getLogger(SinkEngine.class);
    private static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("tributary.event_id");

    private final SinkSettings settings;
    private final ObjectStore store;
    private final LatestState latestState;
    private final ParquetRowWriter writer;
    private final ObjectNames names;
    private final LongSupplier wallClockMillis;
    private final SinkMetrics metrics;
    private final Retrier retrier;
    private final UploadedEvents uploadedEvents;
    private final Tracer tracer;

    private final Map<String, FileBuffer> open = new LinkedHashMap<>();
    private final Map<String, PartitionState> partitions = new HashMap<>();
    /** Event ids of the rows in open files. */
    private final EventIds openIds = new EventIds();
    /**
     * Ids whose upload was taken since the current {@link #accept}'s lookup in {@link UploadedEvents} (or, between
     * batches, since the last one); cleared at the end of {@code accept} and {@code tick}.
     */
    private final EventIds uploadedNow = new EventIds();
    private Set<String> uploadedBefore = Set.of();
    /** Rolled files whose upload is not completed yet ({@link #completeUploads}), in roll order. */
    private final ArrayDeque<Upload> uploads = new ArrayDeque<>();
    private long uploadingBytes;
    private Executor uploader = Runnable::run;
    private Runnable uploaded = () -> { };
    /** Set on the uploader when an upload failed: the later ones are not made (the engine fails on it). */
    private volatile boolean uploadFailed;
    private boolean holesPossible;
    private volatile int openBuffers;
    private volatile long bufferedBytes;

    public SinkEngine(SinkSettings settings, ObjectStore store, LatestState latestState, LongSupplier wallClockMillis,
            SinkMetrics metrics, Retrier retrier, UploadedEvents uploadedEvents) {
        this(settings, store, latestState, wallClockMillis, metrics, retrier, uploadedEvents, OpenTelemetry.noop());
    }

    public SinkEngine(SinkSettings settings, ObjectStore store, LatestState latestState, LongSupplier wallClockMillis,
            SinkMetrics metrics, Retrier retrier, UploadedEvents uploadedEvents, OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(TRACER_NAME);
        this.settings = settings;
        this.store = store;
        this.latestState = latestState;
        this.writer = new ParquetRowWriter(settings.compression());
        this.names = new ObjectNames(settings.objectPrefix());
        this.wallClockMillis = wallClockMillis;
        this.metrics = metrics;
        this.retrier = retrier;
        this.uploadedEvents = uploadedEvents;
    }

    /**
     * Offsets may reach the engine with gaps that are filled later (push mode, unordered delivery): from now on a
     * covering file alone does not make a row "already in the lake", its recorded event id must too.
     */
    public void offsetRangesMayHaveHoles() {
        this.holesPossible = true;
    }

    /**
     * Encodes and uploads rolled files on {@code uploader} (one thread: files upload in roll order), which runs
     * {@code uploaded} after each; that must get {@link #completeUploads} called on the engine's thread.
     */
    public void uploadOn(Executor uploader, Runnable uploaded) {
        this.uploader = uploader;
        this.uploaded = uploaded;
    }

    /** The key of a topic-partition in {@link #accept}, {@link #partitionsRevoked} and {@link #partitionsAssigned}. */
    public static String partitionKey(String topic, int partition) {
        return topic + "+" + partition;
    }

    public int openBuffers() {
        return openBuffers;
    }

    public long bufferedBytes() {
        return bufferedBytes;
    }

    public ObjectNames names() {
        return names;
    }

    /**
     * Takes one consumed batch (tombstones already left out). Applies it to the latest state, then buffers
     * its rows, rolling files as the policy says; blocks while Redis is down, and while S3 is once the files
     * waiting for upload reach their bound. {@code acks} holds one acknowledgement per topic-partition of the batch
     * ({@link #partitionKey}); each runs (once, on the engine's thread) when every row of its partition in this
     * batch is durable in S3 and applied to Redis: now if none is left open, else when the upload of the last file
     * holding one of them is taken. A partition without rows (only tombstones) acks at once.
     */
    public void accept(List<ViewRecord> records, Map<String, Runnable> acks) {
        completeUploads();
        Map<String, Ticket> tickets = new HashMap<>();
        acks.forEach((tp, ack) -> tickets.put(tp, new Ticket(ack)));
        if (!records.isEmpty()) {
            LatestState.Prepared writes = latestState.prepare(records);
            Span span = linkedSpan("sink apply redis", records)
                    .setAttribute("tributary.tables", String.join(",", records.stream().map(ViewRecord::table).distinct().toList()))
                    .setAttribute("tributary.rows", (long) records.size())
                    .startSpan();
            LatestState.Outcome outcome = inSpan(span, () -> retrier.call("redis", "apply " + records.size() + " changes", writes::apply));
            outcome.applied().forEach((table, n) -> metrics.redisWrites(table, "applied", n));
            outcome.stale().forEach((table, n) -> metrics.redisWrites(table, "stale", n));
            for (ViewRecord record : records) {
                metrics.appliedToRedis(record.table(), record.sourceTsMs());
            }
            uploadedBefore = retrier.call("redis", "look up " + records.size() + " event ids",
                    () -> uploadedEvents.uploaded(records));
        }
        try {
            for (ViewRecord record : records) {
                String tp = partitionKey(record.topic(), record.partition());
                route(record, tp, tickets.computeIfAbsent(tp, k -> new Ticket(() -> { })));
            }
        } finally {
            uploadedBefore = Set.of();
            uploadedNow.clear();
        }
        for (Ticket ticket : tickets.values()) {
            ticket.sealed = true;
            ticket.maybeAck();
        }
        updateGauges();
    }

    /**
     * Partitions taken from this consumer (revoked or lost): their open files are dropped, never uploaded, and
     * their rows never acknowledged; the next owner reads them again from the committed offset.
     */
    public void partitionsRevoked(Collection<String> topicPartitions) {
        for (Upload upload : uploads) {
            if (topicPartitions.contains(upload.buffer.tp)) {
                upload.cancel();
            }
        }
        awaitUploads();
        for (String tp : topicPartitions) {
            FileBuffer buffer = open.get(tp);
            if (buffer != null) {
                LOG.infof("%s revoked: dropping its open file (%d rows, offsets %d..%d; the next owner reads them again)",
                        tp, buffer.rows.size(), buffer.firstOffset, buffer.lastOffset);
                discard(buffer);
            }
            partitions.remove(tp);
        }
        updateGauges();
    }

    /** Partitions given to this consumer: they start recovering (look in the lake before writing a file). */
    public void partitionsAssigned(Collection<String> topicPartitions) {
        for (String tp : topicPartitions) {
            FileBuffer stale = open.get(tp);
            if (stale != null) {
                discard(stale);
            }
            partitions.remove(tp);
        }
        updateGauges();
    }

    /**
     * Rolls every file older than max-age (wall clock), or else spreads the rolls of files opened together
     * ({@link #spreadRolls}); called periodically, also when no record arrives.
     */
    public void tick() {
        completeUploads();
        long now = wallClockMillis.getAsLong();
        long maxAge = settings.rollMaxAge().toMillis();
        boolean rolled = false;
        for (FileBuffer buffer : new ArrayList<>(open.values())) {
            if (now - buffer.createdAtMillis >= maxAge) {
                roll(buffer, "age");
                rolled = true;
            }
        }
        if (!rolled) {
            spreadRolls(now, maxAge);
        }
        uploadedNow.clear();
        updateGauges();
    }

    /**
     * Files opened together reach max-age together, and then the uploader encodes all of them at once, a burst of
     * CPU that the Redis writes queue behind (at 5k changes/s, some 50,000 rows at the first roll). So while two or
     * more files are past half of max-age, the oldest rolls, one per tick: they leave one by one, and the files that
     * follow them open at different times. A file alone still rolls at max-age.
     */
    private void spreadRolls(long now, long maxAge) {
        long pastHalf = open.values().stream().filter(buffer -> 2 * (now - buffer.createdAtMillis) >= maxAge).count();
        if (pastHalf >= 2) {
            roll(oldest(), "age, spread"); // past half too, being the oldest
        }
    }

    /** Rolls every open file and waits for every upload (e.g. at a graceful shutdown). */
    public void flushAll() {
        for (FileBuffer buffer : new ArrayList<>(open.values())) {
            roll(buffer, "flush");
        }
        awaitUploads();
        uploadedNow.clear();
        updateGauges();
    }

    private void route(ViewRecord record, String tp, Ticket ticket) {
        PartitionState state = partitions.computeIfAbsent(tp, k -> new PartitionState());
        if (state.lastSeen >= 0 && record.offset() <= state.lastSeen) {
            // the partition was rewound (seek): its open file is redelivered
            awaitUploads();
            FileBuffer stale = open.get(tp);
            if (stale != null) {
                LOG.warnf("%s rewound to offset %d: dropping its open file (%d rows, redelivered)", tp, record.offset(),
                        stale.rows.size());
                discard(stale);
            }
            state.recovering = true;
            state.skipThrough = -1;
        }
        state.lastSeen = record.offset();
        if (record.offset() <= state.skipThrough) {
            metrics.alreadyInLake(record.table());
            return;
        }
        long hour = ObjectNames.hourOf(record.sourceTsMs());
        FileBuffer buffer = open.get(tp);
        if (buffer == null && state.recovering) {
            // first the sink's own redeliveries: offsets already in a file
            Optional<ObjectNames.OffsetRange> existing = coveringFile(record, hour);
            if (existing.isPresent() && holesPossible) {
                if (uploadedBefore(record) || uploadedNow.contains(record.table(), record.eventId())) {
                    metrics.alreadyInLake(record.table());
                    return;
                }
                // in the range of a file but not recorded as uploaded: a late offset that file does not hold
                LOG.infof("%s offset %d lies in the lake file of %d..%d but its event is not recorded as uploaded: written",
                        tp, record.offset(), existing.get().first(), existing.get().last());
            } else if (existing.isPresent()) {
                state.skipThrough = existing.get().last();
                LOG.infof("%s offsets %d..%d are already in the lake: not written again", tp, record.offset(),
                        existing.get().last());
                metrics.alreadyInLake(record.table());
                return;
            }
        }
        if (openIds.contains(record.table(), record.eventId()) || uploadedNow.contains(record.table(), record.eventId())
                || uploadedBefore(record)) {
            // then the same change at another offset (the view topic holds it twice); still recovering if so
            try (ChangeLog change = ChangeLog.of(record.eventId(), record.trace())) {
                LOG.debugf("%s offset %d: event %s of %s is already in the lake or an open file: dropped", tp, record.offset(),
                        record.eventId(), record.table());
            }
            metrics.duplicateDropped(record.table());
            return;
        }
        if (buffer != null && !buffer.accepts(record, hour)) {
            roll(buffer, "hour/schema change");
            buffer = null;
        }
        if (buffer == null) {
            state.recovering = false;
            while (open.size() >= settings.maxOpenBuffers()) {
                roll(oldest(), "max open buffers");
            }
            buffer = new FileBuffer(tp, record, writer.fileSchema(record.viewSchema()), hour, wallClockMillis.getAsLong());
            open.put(tp, buffer);
        }
        buffer.add(new HeldRow(record.eventId(), record.sourceTsMs(), record.trace(),
                writer.encode(buffer.fileSchema, record)), record, ticket);
        openIds.add(record.table(), record.eventId());
        if (buffer.rows.size() >= settings.rollMaxRecords() || buffer.bytes >= settings.rollMaxBytes()) {
            roll(buffer, "size");
        }
        while (buffered() > settings.maxBufferedBytes()) {
            roll(largest(), "max buffered bytes");
        }
    }

    /** Forgets an open file without uploading it; its tickets never ack (their rows are read again). */
    private void discard(FileBuffer buffer) {
        open.remove(buffer.tp, buffer);
        for (HeldRow row : buffer.rows) {
            openIds.remove(buffer.table, row.eventId());
        }
        buffer.tickets.keySet().forEach(ticket -> ticket.discarded = true);
    }

    /** Whether the current batch's lookup found the record's event id recorded as uploaded. */
    private boolean uploadedBefore(ViewRecord record) {
        return !uploadedBefore.isEmpty() && uploadedBefore.contains(UploadedEvents.id(record.table(), record.eventId()));
    }

    private Optional<ObjectNames.OffsetRange> coveringFile(ViewRecord record, long hour) {
        String prefix = names.filePrefix(record.table(), hour, record.topic(), record.partition());
        List<String> keys = retrier.call("s3", "list " + prefix, () -> store.list(prefix));
        return keys.stream()
                .map(ObjectNames::rangeOf)
                .flatMap(Optional::stream)
                .filter(range -> range.contains(record.offset()))
                .findFirst();
    }

    /** The open file created first (the first of equals). */
    private FileBuffer oldest() {
        return Collections.min(open.values(), Comparator.comparingLong(buffer -> buffer.createdAtMillis));
    }

    /** The open file holding the most bytes (the first of equals). */
    private FileBuffer largest() {
        return Collections.max(open.values(), Comparator.comparingLong(buffer -> buffer.bytes));
    }

    /** Serialized bytes of the rows in open files (at most max-open-buffers of them). */
    private long buffered() {
        long bytes = 0;
        for (FileBuffer buffer : open.values()) {
            bytes += buffer.bytes;
        }
        return bytes;
    }

    /**
     * Hands an open file to the uploader, first waiting for older uploads while the files waiting for theirs
     * would hold more than the bound.
     */
    private void roll(FileBuffer buffer, String reason) {
        while (!uploads.isEmpty() && uploadingBytes + buffer.bytes > settings.bufferBound()) {
            awaitOldestUpload();
        }
        open.remove(buffer.tp, buffer);
        Upload upload = new Upload(buffer);
        uploads.add(upload);
        uploadingBytes += buffer.bytes;
        uploader.execute(() -> {
            try {
                if (upload.start()) {
                    upload(buffer, reason);
                }
                upload.done.complete(null);
            } catch (RuntimeException | Error e) {
                upload.done.completeExceptionally(e);
            }
            uploaded.run();
        });
        completeUploads();
    }

    /** On the uploader: encodes the file, uploads it and records its event ids. */
    private void upload(FileBuffer buffer, String reason) {
        try {
            if (uploadFailed) {
                throw new IllegalStateException("not uploaded: an earlier upload failed");
            }
            List<byte[]> rows = new ArrayList<>(buffer.rows.size());
            for (HeldRow row : buffer.rows) {
                rows.add(row.row());
            }
            ByteBuffer bytes = writer.writeEncoded(buffer.viewSchema, rows, buffer.bytes);
            int length = bytes.remaining();
            String key = names.objectKey(buffer.table, buffer.hour, buffer.topic, buffer.partition, buffer.firstOffset,
                    buffer.lastOffset);
            Span span = linkedSpan("sink upload " + buffer.table, buffer.rows, HeldRow::trace, HeldRow::eventId)
                    .setAttribute("tributary.table", buffer.table)
                    .setAttribute("tributary.object_key", key)
                    .setAttribute("tributary.rows", (long) buffer.rows.size())
                    .setAttribute("tributary.bytes", (long) length)
                    .startSpan();
            inSpan(span, () -> {
                retrier.run("s3", "upload " + key, () -> {
                    long start = System.nanoTime();
                    store.put(key, bytes);
                    metrics.fileUploaded(buffer.table, length, System.nanoTime() - start);
                });
                return null;
            });
            List<String> eventIds = new ArrayList<>(buffer.rows.size());
            for (HeldRow row : buffer.rows) {
                metrics.inLake(buffer.table, row.sourceTsMs());
                eventIds.add(row.eventId());
            }
            retrier.run("redis", "record the event ids of " + key, () -> uploadedEvents.record(buffer.table, eventIds));
            metrics.rowsWritten(buffer.table, buffer.rows.size());
            LOG.debugf("uploaded %s (%d rows, %d bytes, %s)", key, buffer.rows.size(), length, reason);
        } catch (RuntimeException | Error e) {
            uploadFailed = true;
            throw e;
        }
    }

    /**
     * Takes the uploads completed so far, oldest first, up to the first one still running: their rows are in the
     * lake and their tickets ack. Throws the error of a failed upload. On the engine's thread: at each batch, tick
     * and roll, and between them when the uploader asks for it.
     */
    public void completeUploads() {
        while (!uploads.isEmpty() && uploads.peek().done.isDone()) {
            complete(uploads.poll());
        }
        updateGauges();
    }

    private void awaitUploads() {
        while (!uploads.isEmpty()) {
            awaitOldestUpload();
        }
        updateGauges();
    }

    private void awaitOldestUpload() {
        Upload oldest = uploads.poll();
        try {
            oldest.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an upload", e);
        } catch (ExecutionException e) {
            // complete() throws it
        }
        complete(oldest);
    }

    /**
     * The upload's rows leave the open ids for the uploaded ones, and their tickets ack; a cancelled upload's rows
     * just leave (read again by the partition's next owner). Throws the upload's error (the engine fails).
     */
    private void complete(Upload upload) {
        uploadingBytes -= upload.buffer.bytes;
        if (upload.cancelled) {
            LOG.infof("%s revoked: dropping its file waiting for upload (%d rows, offsets %d..%d; the next owner reads them"
                    + " again)", upload.buffer.tp, upload.buffer.rows.size(), upload.buffer.firstOffset, upload.buffer.lastOffset);
            discard(upload.buffer);
            return;
        }
        try {
            upload.done.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
        for (HeldRow row : upload.buffer.rows) {
            openIds.remove(upload.buffer.table, row.eventId());
            uploadedNow.add(upload.buffer.table, row.eventId());
        }
        upload.buffer.tickets.forEach((ticket, count) -> {
            ticket.pending -= count;
            ticket.maybeAck();
        });
    }

    /**
     * A root span for work done on many changes at once, linked to each change's trace (the records' trace
     * contexts; the SDK keeps at most 128 links per span by default, {@code quarkus.otel.span.link.count.limit}).
     */
    private SpanBuilder linkedSpan(String name, List<ViewRecord> records) {
        return linkedSpan(name, records, ViewRecord::trace, ViewRecord::eventId);
    }

    private <T> SpanBuilder linkedSpan(String name, List<T> rows, Function<T, SpanContext> traceOf, Function<T, String> eventIdOf) {
        SpanBuilder builder = tracer.spanBuilder(name).setNoParent();
        Set<SpanContext> linked = new HashSet<>();
        for (T row : rows) {
            SpanContext trace = traceOf.apply(row);
            if (trace.isValid() && linked.add(trace)) {
                builder.addLink(trace, Attributes.of(EVENT_ID, eventIdOf.apply(row)));
            }
        }
        return builder;
    }

    private void updateGauges() {
        bufferedBytes = buffered() + uploadingBytes;
        openBuffers = open.size();
    }

    /** A rolled file and its upload. */
    private static final class Upload {
        private final FileBuffer buffer;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicBoolean claimed = new AtomicBoolean();
        /** Dropped before its upload started (its partition was let go); on the engine's thread. */
        private boolean cancelled;

        Upload(FileBuffer buffer) {
            this.buffer = buffer;
        }

        /** On the uploader: whether to upload (false when cancelled first). */
        boolean start() {
            return claimed.compareAndSet(false, true);
        }

        /** Drops the file unless its upload has started. */
        void cancel() {
            if (claimed.compareAndSet(false, true)) {
                cancelled = true;
            }
        }
    }

    /** The rows of one topic-partition of one consumed batch, waiting to be durable. */
    private static final class Ticket {
        private final Runnable ack;
        private int pending;
        private boolean sealed;
        private boolean acked;
        private boolean discarded;

        Ticket(Runnable ack) {
            this.ack = ack;
        }

        void maybeAck() {
            if (sealed && pending == 0 && !acked && !discarded) {
                acked = true;
                ack.run();
            }
        }
    }

    private static final class PartitionState {
        private boolean recovering = true;
        private long skipThrough = -1;
        private long lastSeen = -1;
    }

    /**
     * What an open file keeps of a row until its upload is taken: the row {@link ParquetRowWriter#encode encoded}
     * (Avro binary, about its size on Kafka) instead of the decoded record, which took several times that on the
     * heap, and lived long enough to fill the old generation with it.
     *
     * @param eventId the record's own event id, the instance held in {@link #openIds} (not kept twice; a table-qualified
     *        copy per row was as large as the row's other heap)
     */
    private record HeldRow(String eventId, long sourceTsMs, SpanContext trace, byte[] row) {
    }

    /**
     * Event ids by table: a row's dedupe identity ({@link UploadedEvents#id}) without building the string for each
     * row, which then lived as long as the row.
     */
    private static final class EventIds {
        private final Map<String, Set<String>> byTable = new HashMap<>();

        boolean contains(String table, String eventId) {
            Set<String> ids = byTable.get(table);
            return ids != null && ids.contains(eventId);
        }

        void add(String table, String eventId) {
            byTable.computeIfAbsent(table, t -> new HashSet<>()).add(eventId);
        }

        void remove(String table, String eventId) {
            Set<String> ids = byTable.get(table);
            if (ids != null) {
                ids.remove(eventId);
            }
        }

        void clear() {
            byTable.values().forEach(Set::clear);
        }
    }

    /** An open file: rows of one topic-partition, table, hour and view schema. */
    private static final class FileBuffer {
        private final String tp;
        private final String topic;
        private final int partition;
        private final String table;
        private final long hour;
        private final Schema viewSchema;
        private final Schema fileSchema;
        private final long createdAtMillis;
        private final List<HeldRow> rows = new ArrayList<>();
        /** In the order the tickets came (Ticket has identity equality): they ack in offset order. */
        private final Map<Ticket, Integer> tickets = new LinkedHashMap<>();
        private long bytes;
        private long firstOffset = -1;
        private long lastOffset = -1;

        FileBuffer(String tp, ViewRecord first, Schema fileSchema, long hour, long createdAtMillis) {
            this.tp = tp;
            this.topic = first.topic();
            this.partition = first.partition();
            this.table = first.table();
            this.hour = hour;
            this.viewSchema = first.viewSchema();
            this.fileSchema = fileSchema;
            this.createdAtMillis = createdAtMillis;
        }

        boolean accepts(ViewRecord record, long recordHour) {
            return recordHour == hour && record.table().equals(table)
                    && (record.viewSchema() == viewSchema || record.viewSchema().equals(viewSchema));
        }

        void add(HeldRow row, ViewRecord record, Ticket ticket) {
            if (firstOffset < 0) {
                firstOffset = record.offset();
            }
            lastOffset = record.offset();
            rows.add(row);
            bytes += Math.max(1, record.serializedSize());
            tickets.merge(ticket, 1, Integer::sum);
            ticket.pending++;
        }
    }

    /** {@code work} in {@code span}: its failure recorded on the span, which ends either way. */
    private static <T> T inSpan(Span span, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }
}
