package io.tributary.tools.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/** Topic sizes on disk and record counts, through the Admin API. */
final class KafkaStats implements AutoCloseable {

    record TopicUsage(long bytes, long records) {
        double bytesPerRecord() {
            return records == 0 ? Double.NaN : (double) bytes / records;
        }
    }

    private final Admin admin;

    KafkaStats(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.admin = Admin.create(p);
    }

    List<TopicPartition> partitions(Predicate<String> topics) throws Exception {
        Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
        List<String> wanted = names.stream().filter(topics).toList();
        List<TopicPartition> out = new ArrayList<>();
        if (wanted.isEmpty()) {
            return out;
        }
        for (TopicDescription d : admin.describeTopics(wanted).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> out.add(new TopicPartition(d.name(), p.partition())));
        }
        return out;
    }

    /** Latest offset per partition. */
    Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions) throws Exception {
        return offsets(partitions, OffsetSpec.latest());
    }

    Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        if (request.isEmpty()) {
            return out;
        }
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Sum of the latest offsets of the topics matching (0 when none exists yet). */
    long records(Predicate<String> topics) throws Exception {
        return endOffsets(partitions(topics)).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Bytes on disk (all log dirs of every broker) and records (latest - earliest offset) of the matching topics. */
    TopicUsage usage(Predicate<String> topics) throws Exception {
        List<TopicPartition> partitions = partitions(topics);
        Set<TopicPartition> set = Set.copyOf(partitions);
        long bytes = 0;
        var brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream().map(n -> n.id()).toList();
        for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get(10, TimeUnit.SECONDS).values()) {
            for (LogDirDescription dir : dirs.values()) {
                for (Map.Entry<TopicPartition, ReplicaInfo> r : dir.replicaInfos().entrySet()) {
                    if (set.contains(r.getKey())) {
                        bytes += r.getValue().size();
                    }
                }
            }
        }
        Map<TopicPartition, Long> latest = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        long records = 0;
        for (TopicPartition tp : partitions) {
            records += latest.getOrDefault(tp, 0L) - earliest.getOrDefault(tp, 0L);
        }
        return new TopicUsage(bytes, records);
    }

    @Override
    public void close() {
        admin.close();
    }
}
