package io.tributary.sink.engine;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The sink's meters (Prometheus names in the README). */
public final class SinkMetrics {

    private final MeterRegistry registry;
    private final Timer uploadLatency;

    public SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.uploadLatency = Timer.builder("tributary.sink.upload.latency")
                .description("time of one successful upload of a Parquet file").publishPercentileHistogram().register(registry);
    }

    /** Gauges read from the engine and the status. */
    public void bind(Supplier<Number> openBuffers, Supplier<Number> bufferedBytes, SinkStatus status) {
        Gauge.builder("tributary.sink.open.buffers", openBuffers).description("files open in memory").register(registry);
        Gauge.builder("tributary.sink.buffered.bytes", bufferedBytes)
                .description("Kafka bytes of the rows held in open files").register(registry);
        Gauge.builder("tributary.sink.degraded", () -> status.degraded() ? 1 : 0)
                .description("1 while S3 or Redis is failing and the sink retries").register(registry);
    }

    public void rowsWritten(String table, int rows) {
        Counter.builder("tributary.sink.rows.written").description("rows written to uploaded Parquet files")
                .tag("table", table).register(registry).increment(rows);
    }

    public void fileUploaded(String table, long bytes, long nanos) {
        Counter.builder("tributary.sink.files.uploaded").tag("table", table).register(registry).increment();
        Counter.builder("tributary.sink.bytes.uploaded").baseUnit("bytes").tag("table", table).register(registry).increment(bytes);
        uploadLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void failure(String dependency) {
        Counter.builder("tributary.sink.failures").description("failed attempts to write to a dependency (then retried)")
                .tag("dependency", dependency).register(registry).increment();
    }

    public void redisWrites(String table, String outcome, int count) {
        if (count > 0) {
            Counter.builder("tributary.sink.redis.writes").description("row changes sent to Redis: applied or stale (skipped)")
                    .tag("table", table).tag("outcome", outcome).register(registry).increment(count);
        }
    }

    public void alreadyInLake(String table) {
        Counter.builder("tributary.sink.rows.already.in.lake")
                .description("redelivered rows found in an existing file (not written again)")
                .tag("table", table).register(registry).increment();
    }

    public void duplicateDropped(String table) {
        Counter.builder("tributary.sink.duplicates.dropped")
                .description("rows dropped because their event id is already in the lake or in an open file")
                .tag("table", table).register(registry).increment();
    }
}
