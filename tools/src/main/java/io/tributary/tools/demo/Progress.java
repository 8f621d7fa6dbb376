package io.tributary.tools.demo;

import java.util.Map;

import io.tributary.tools.workload.WorkloadGenerator;

/** One line a second: how many changes each stage has handled, and at what rate. */
final class Progress {

    static final String HEADER = String.format("    %6s  %16s  %16s  %16s  %16s  %16s  %6s", "time", "written to PG", "captured",
            "processed", "applied to Redis", "rows in lake", "files");

    private final String capture;
    private final String processor;
    private final String sink;
    private final long start = System.nanoTime();
    private volatile long written;
    private long[] previous = new long[5];

    Progress(String capture, String processor, String sink) {
        this.capture = capture;
        this.processor = processor;
        this.sink = sink;
    }

    void source(WorkloadGenerator.Progress progress) {
        written = progress.changes();
    }

    /** The counters of every stage, as one comparable string. */
    String counters() {
        long[] now = read();
        return now[1] + "/" + now[2] + "/" + now[3] + "/" + now[4];
    }

    String line() {
        long[] now = read();
        String line = String.format("    %5ds  %s  %s  %s  %s  %s  %6d", (System.nanoTime() - start) / 1_000_000_000L,
                cell(now[0], previous[0]), cell(now[1], previous[1]), cell(now[2], previous[2]), cell(now[3], previous[3]),
                cell(now[4], previous[4]), files());
        previous = now;
        return line;
    }

    /** The count, and how much it grew since the last line (about one second). */
    private static String cell(long now, long before) {
        return String.format("%,9d %6s", now, now > before ? "+" + (now - before) : "");
    }

    private long[] read() {
        Map<String, Double> c = Metrics.scrape(capture);
        Map<String, Double> p = Metrics.scrape(processor);
        Map<String, Double> s = Metrics.scrape(sink);
        return new long[] {
            written,
            value(c, "tributary_capture_changes_total"),
            value(p, "tributary_processor_records_out_total"),
            value(s, "tributary_sink_redis_writes_total"),
            value(s, "tributary_sink_rows_written_total")};
    }

    private long files() {
        return value(Metrics.scrape(sink), "tributary_sink_files_uploaded_total");
    }

    private static long value(Map<String, Double> metrics, String name) {
        return metrics.getOrDefault(name, 0.0).longValue();
    }
}
