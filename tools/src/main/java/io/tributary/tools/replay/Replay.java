package io.tributary.tools.replay;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Re-drives a range of a table's changes through the processor and the sink by moving their consumer
 * groups back: the processor's group on the table's change topic, the sink's group on the view topics
 * that follow the table. Both groups must have no live member (Kafka refuses to move the offsets of an
 * active group); {@link ReplayMain} stops and restarts the local stack's services around it.
 * <p>
 * Where the range starts: the beginning of what the topic still holds, an offset (the same on every
 * partition of the change topic), or a time. The view topics are moved to the time of the first replayed
 * change (for an offset) or to the given time, so the sink re-reads at least every view record the
 * replayed changes produced.
 */
public final class Replay {

    /** Where the replay starts. */
    public sealed interface From permits Beginning, Offset, Time {
    }

    public record Beginning() implements From {
    }

    public record Offset(long offset) implements From {
    }

    public record Time(Instant time) implements From {
    }

    /** A source table: its change topic and the view topics the processor derives from it. */
    public record Target(String table, String changeTopic, List<String> viewTopics) {
    }

    /** One partition's committed offset before and after. */
    public record Move(String group, TopicPartition partition, Long before, long after, long end) {

        public long toReplay() {
            return Math.max(0, end - after);
        }
    }

    private final String bootstrapServers;
    private final Map<String, String> client;
    private final String processorGroup;
    private final String sinkGroup;

    public Replay(String bootstrapServers, String processorGroup, String sinkGroup) {
        this(bootstrapServers, Map.of(), processorGroup, sinkGroup);
    }

    /** @param client further Kafka client settings, e.g. the secure stack's SASL_SSL settings of the tools principal */
    public Replay(String bootstrapServers, Map<String, String> client, String processorGroup, String sinkGroup) {
        this.bootstrapServers = bootstrapServers;
        this.client = Map.copyOf(client);
        this.processorGroup = processorGroup;
        this.sinkGroup = sinkGroup;
    }

    /** The groups that still have live members (whose offsets Kafka would not let us move). */
    public List<String> activeGroups() throws Exception {
        try (Admin admin = admin()) {
            Map<String, ConsumerGroupDescription> groups = admin.describeConsumerGroups(List.of(processorGroup, sinkGroup)).all().get();
            return groups.values().stream().filter(g -> !g.members().isEmpty())
                    .map(g -> g.groupId() + " (" + g.members().size() + " members)").toList();
        }
    }

    /** Moves both groups back for every target and returns what moved; the groups must be empty. */
    public List<Move> rewind(List<Target> targets, From from, PrintStream out) throws Exception {
        List<String> active = activeGroups();
        if (!active.isEmpty()) {
            throw new IllegalStateException("consumer groups still have live members: " + String.join(", ", active)
                    + "; stop processor-service and sink-service (or scale them to zero) before a replay");
        }
        List<Move> moves = new ArrayList<>();
        try (Admin admin = admin()) {
            for (Target target : targets) {
                List<TopicPartition> changePartitions = partitions(admin, target.changeTopic());
                Map<TopicPartition, Long> earliest = offsets(admin, changePartitions, OffsetSpec.earliest());
                Map<TopicPartition, Long> end = offsets(admin, changePartitions, OffsetSpec.latest());
                Map<TopicPartition, Long> start = new HashMap<>();
                for (TopicPartition tp : changePartitions) {
                    long wanted = switch (from) {
                        case Beginning b -> earliest.get(tp);
                        case Offset o -> o.offset();
                        case Time t -> -1;
                    };
                    start.put(tp, wanted);
                }
                if (from instanceof Time t) {
                    start.putAll(offsetsForTime(admin, changePartitions, t.time(), end));
                }
                for (TopicPartition tp : changePartitions) {
                    long wanted = start.get(tp);
                    if (wanted < earliest.get(tp)) {
                        out.printf("  %s: offset %d is gone (retention); the replay starts at the oldest kept, %d%n", tp, wanted, earliest.get(tp));
                        wanted = earliest.get(tp);
                    }
                    start.put(tp, Math.min(wanted, end.get(tp)));
                }
                moves.addAll(commit(admin, processorGroup, start, end));

                Instant since = switch (from) {
                    case Beginning b -> Instant.EPOCH;
                    case Time t -> t.time();
                    case Offset o -> firstTimestamp(start, end).orElse(null);
                };
                for (String viewTopic : target.viewTopics()) {
                    List<TopicPartition> viewPartitions = partitions(admin, viewTopic);
                    Map<TopicPartition, Long> viewEnd = offsets(admin, viewPartitions, OffsetSpec.latest());
                    Map<TopicPartition, Long> viewStart = since == null ? viewEnd
                            : since.equals(Instant.EPOCH) ? offsets(admin, viewPartitions, OffsetSpec.earliest())
                                    : offsetsForTime(admin, viewPartitions, since, viewEnd);
                    moves.addAll(commit(admin, sinkGroup, viewStart, viewEnd));
                }
            }
        }
        return moves;
    }

    private List<Move> commit(Admin admin, String group, Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> before = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetAndMetadata> after = start.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue(), "tributary replay")));
        admin.alterConsumerGroupOffsets(group, after).all().get();
        List<Move> moves = new ArrayList<>();
        start.forEach((tp, offset) -> moves.add(new Move(group, tp, before.get(tp) == null ? null : before.get(tp).offset(), offset, end.get(tp))));
        moves.sort(java.util.Comparator.comparing((Move m) -> m.partition().topic()).thenComparing(m -> m.partition().partition()));
        return moves;
    }

    /** The earliest record timestamp among the records at the start offsets (none when nothing is to replay). */
    private java.util.Optional<Instant> firstTimestamp(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        Instant first = null;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
                if (e.getValue() >= end.get(e.getKey())) {
                    continue;
                }
                consumer.assign(List.of(e.getKey()));
                consumer.seek(e.getKey(), e.getValue());
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline) {
                    var records = consumer.poll(Duration.ofMillis(500));
                    if (!records.isEmpty()) {
                        ConsumerRecord<byte[], byte[]> record = records.iterator().next();
                        Instant at = Instant.ofEpochMilli(record.timestamp());
                        first = first == null || at.isBefore(first) ? at : first;
                        break;
                    }
                }
            }
        }
        return java.util.Optional.ofNullable(first);
    }

    private static List<TopicPartition> partitions(Admin admin, String topic) throws Exception {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return description.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (ExecutionException e) {
            throw new IllegalArgumentException("topic " + topic + " cannot be described: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin.listOffsets(request).all().get();
        Map<TopicPartition, Long> offsets = new HashMap<>();
        result.forEach((tp, info) -> offsets.put(tp, info.offset()));
        return offsets;
    }

    /** The first offset at or after the time, per partition; the end when no record is that recent. */
    private static Map<TopicPartition, Long> offsetsForTime(Admin admin, List<TopicPartition> partitions, Instant time,
            Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, Long> found = offsets(admin, partitions, OffsetSpec.forTimestamp(time.toEpochMilli()));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long offset = found.get(tp);
            offsets.put(tp, offset == null || offset < 0 ? end.get(tp) : offset);
        }
        return offsets;
    }

    private Admin admin() {
        Properties props = new Properties();
        props.putAll(client);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(props);
    }
}
