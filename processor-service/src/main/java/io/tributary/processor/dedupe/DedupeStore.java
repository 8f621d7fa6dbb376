package io.tributary.processor.dedupe;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import io.tributary.processor.config.ProcessorConfig;

/**
 * The set of event ids already published, in Redis: one key per event id ({@code <prefix><topic>:<event_id>})
 * with a TTL, so the set forgets what no replay can bring back.
 *
 * <p>Protocol, in this order, per change: {@link #seen} (drop the change if true) → publish the view
 * records and wait for Kafka's ack → {@link #record} → ack the input (its offset is committed later, by the
 * throttled strategy). What each crash window does:
 * <ol>
 * <li><b>Crash before the view records are acked</b>: nothing recorded, input offset not committed. After
 * restart the change is read again, not seen, and published — possibly a second time if Kafka had in fact
 * written it before the crash. Consumers get the same event id twice; the sink writes if newer by
 * {@code source.lsn} (an equal LSN is a no-op) and its Parquet files are deterministic, so the duplicate has
 * no effect.</li>
 * <li><b>Crash after the ack, before {@link #record} completes</b>: same as 1 — published, not recorded,
 * re-read, published again. This is the one window where the view topic itself may hold an event id twice
 * (at most the records in flight at the crash: one per consumer, since a consumer processes one change at a
 * time); the sink's idempotence covers it.</li>
 * <li><b>Crash after {@link #record}, before the offset commit</b>: the change is re-read (up to one commit
 * interval of changes), found in the set and dropped: no duplicate.</li>
 * <li><b>Redis loses recent writes</b> (no AOF, failover): like 2 for the lost ids.</li>
 * <li><b>A replay older than the TTL</b>: ids forgotten, changes published again; the sink's LSN rule keeps
 * the newest state.</li>
 * </ol>
 * Redis unavailable: both calls fail and the caller retries them with back-off; nothing is skipped.
 */
@ApplicationScoped
public class DedupeStore {

    private final ReactiveKeyCommands<String> keys;
    private final ReactiveValueCommands<String, String> values;
    private final ProcessorConfig.Dedupe config;

    public DedupeStore(ReactiveRedisDataSource redis, ProcessorConfig config) {
        this.keys = redis.key();
        this.values = redis.value(String.class);
        this.config = config.dedupe();
    }

    /** Whether the change with this event id, read from this topic, was already published. */
    public Uni<Boolean> seen(String topic, String eventId) {
        if (!config.enabled()) {
            return Uni.createFrom().item(false);
        }
        return keys.exists(key(topic, eventId));
    }

    /** Remembers, for the configured TTL, that the change was published. Call only after Kafka acked the output. */
    public Uni<Void> record(String topic, String eventId) {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return values.set(key(topic, eventId), "1", new SetArgs().px(ttl()));
    }

    private Duration ttl() {
        return config.ttl();
    }

    String key(String topic, String eventId) {
        return config.keyPrefix() + topic + ":" + eventId;
    }
}
