package io.tributary.processor.dedupe;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.tributary.processor.config.ProcessorConfig;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;

/**
 * The set of event ids already published, in Redis: one key per event id ({@code <prefix><topic>:<event_id>})
 * with a TTL, so the set forgets what no replay can bring back.
 *
 * <p>Works on a batch of changes (one consumed poll, or one pushed change): {@link #seen} is one {@code MGET}
 * and {@link #record} one {@code EVAL} (a {@code SET … PX} per key), so a batch costs two Redis round trips
 * whatever its size. Both commands name several keys, so they need a Redis where every key lives on one
 * node (standalone or Sentinel, as deployed; not Redis Cluster).
 *
 * <p>Protocol, in this order, per batch: {@link #seen} (drop the changes found) → publish the view records
 * of the others and wait for Kafka's acks → {@link #record} → ack the input (its offsets are committed later,
 * by the throttled strategy). What each crash window does:
 * <ol>
 * <li><b>Crash before the view records are acked</b>: nothing recorded, input offsets not committed. After
 * restart the batch is read again, not seen, and published — a second time for the records Kafka had in fact
 * written before the crash. Consumers get the same event id twice; the sink writes if newer by
 * {@code source.lsn} (an equal LSN is a no-op) and its Parquet files are deterministic, so the duplicate has
 * no effect.</li>
 * <li><b>Crash after the acks, before {@link #record} completes</b>: same as 1 — published, not recorded,
 * re-read, published again. With 1, this is where the view topic itself may hold an event id twice: at most
 * the changes in flight at the crash, one consumed batch per consumer ({@code max.poll.records}); the sink's
 * idempotence covers it.</li>
 * <li><b>Crash after {@link #record}, before the offset commit</b>: the changes are re-read (up to one commit
 * interval of them), found in the set and dropped: no duplicate.</li>
 * <li><b>Redis loses recent writes</b> (no AOF, failover): like 2 for the lost ids.</li>
 * <li><b>A replay older than the TTL</b>: ids forgotten, changes published again; the sink's LSN rule keeps
 * the newest state.</li>
 * </ol>
 * Redis unavailable: both calls fail and the caller retries them with back-off; nothing is skipped.
 */
@ApplicationScoped
public class DedupeStore {

    /** Sets every key ({@code KEYS}) to 1 with the TTL in milliseconds {@code ARGV[1]}; returns how many. */
    static final String RECORD_SCRIPT = "for i = 1, #KEYS do redis.call('SET', KEYS[i], '1', 'PX', ARGV[1]) end "
            + "return #KEYS";

    /** One change: the topic it was read from and its event id. */
    public record Event(String topic, String eventId) {
    }

    private final ReactiveRedisDataSource redis;
    private final ProcessorConfig.Dedupe config;

    public DedupeStore(ReactiveRedisDataSource redis, ProcessorConfig config) {
        this.redis = redis;
        this.config = config.dedupe();
    }

    /** For each change, in order, whether it was already published: one {@code MGET}. */
    public Uni<List<Boolean>> seen(List<Event> events) {
        if (!config.enabled() || events.isEmpty()) {
            return Uni.createFrom().item(() -> events.stream().map(e -> false).toList());
        }
        return redis.execute(Command.MGET, keys(events).toArray(String[]::new)).map(response -> {
            List<Boolean> seen = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                Response value = response.get(i);
                seen.add(value != null);
            }
            return seen;
        });
    }

    /**
     * Remembers, for the configured TTL, that these changes were published: one {@code EVAL}. Call only after
     * Kafka acked their output.
     */
    public Uni<Void> record(List<Event> events) {
        if (!config.enabled() || events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<String> args = new ArrayList<>(events.size() + 3);
        args.add(RECORD_SCRIPT);
        args.add(Integer.toString(events.size()));
        args.addAll(keys(events));
        args.add(Long.toString(config.ttl().toMillis()));
        return redis.execute(Command.EVAL, args.toArray(String[]::new)).replaceWithVoid();
    }

    private List<String> keys(List<Event> events) {
        return events.stream().map(e -> key(e.topic(), e.eventId())).toList();
    }

    String key(String topic, String eventId) {
        return config.keyPrefix() + topic + ":" + eventId;
    }
}
