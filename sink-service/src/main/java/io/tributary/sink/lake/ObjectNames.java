package io.tributary.sink.lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lake's object layout: {@code <prefix><table>/dt=YYYY-MM-DD/hr=HH/<topic>+<partition>+<first>-<last>.parquet},
 * partitioned by the EVENT time (the source commit time, UTC), so a replay lands in the same partition, and
 * named by the Kafka offsets the file holds, so the same rows always get the same name.
 */
public final class ObjectNames {

    private static final Pattern FILE = Pattern.compile(".*\\+(\\d+)\\+(\\d+)-(\\d+)\\.parquet$");

    private final String prefix;

    public ObjectNames(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
    }

    /** Hours since the epoch of an event time: the unit of partitioning. */
    public static long hourOf(long epochMillis) {
        return Math.floorDiv(epochMillis, 3_600_000L);
    }

    /** {@code <prefix><table>/dt=YYYY-MM-DD/hr=HH/} of an hour since the epoch. */
    public String partitionPath(String table, long epochHour) {
        ZonedDateTime time = Instant.ofEpochSecond(epochHour * 3600).atZone(ZoneOffset.UTC);
        return String.format("%s%s/dt=%04d-%02d-%02d/hr=%02d/", prefix, table, time.getYear(), time.getMonthValue(),
                time.getDayOfMonth(), time.getHour());
    }

    /** Key prefix of every file of one topic-partition in one hour partition. */
    public String filePrefix(String table, long epochHour, String topic, int partition) {
        return partitionPath(table, epochHour) + topic + "+" + partition + "+";
    }

    /** The object key of a file holding offsets first..last of a topic-partition. */
    public String objectKey(String table, long epochHour, String topic, int partition, long firstOffset, long lastOffset) {
        return filePrefix(table, epochHour, topic, partition) + firstOffset + "-" + lastOffset + ".parquet";
    }

    /** The offset range a file name says it holds. */
    public static Optional<OffsetRange> rangeOf(String objectKey) {
        Matcher matcher = FILE.matcher(objectKey);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new OffsetRange(Long.parseLong(matcher.group(2)), Long.parseLong(matcher.group(3))));
    }

    /** Inclusive range of Kafka offsets. */
    public record OffsetRange(long first, long last) {

        public boolean contains(long offset) {
            return first <= offset && offset <= last;
        }
    }
}
