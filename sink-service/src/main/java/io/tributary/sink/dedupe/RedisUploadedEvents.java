package io.tributary.sink.dedupe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.tributary.sink.view.ViewRecord;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * {@link UploadedEvents} in Redis: one key {@code <prefix>lake-seen:<table>:<event_id>} per uploaded row,
 * value {@code 1}, expiring after the dedupe TTL. Lookups (EXISTS) and records (SET … EX) are pipelined.
 */
public final class RedisUploadedEvents implements UploadedEvents {

    private static final int CHUNK = 1000;

    private final Redis redis;
    private final String keyPrefix;
    private final long ttlSeconds;
    private final Duration timeout;

    public RedisUploadedEvents(Redis redis, String keyPrefix, Duration ttl, Duration timeout) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.ttlSeconds = Math.max(1, ttl.toSeconds());
        this.timeout = timeout;
    }

    /** {@code <prefix>lake-seen:<table>:<event_id>}. */
    public static String seenKey(String prefix, String table, String eventId) {
        return prefix + "lake-seen:" + table + ":" + eventId;
    }

    @Override
    public Set<String> uploaded(List<ViewRecord> changes) {
        Set<String> found = new HashSet<>();
        for (int from = 0; from < changes.size(); from += CHUNK) {
            List<ViewRecord> chunk = changes.subList(from, Math.min(changes.size(), from + CHUNK));
            List<Request> requests = new ArrayList<>(chunk.size());
            for (ViewRecord change : chunk) {
                requests.add(Request.cmd(Command.EXISTS).arg(seenKey(keyPrefix, change.table(), change.eventId())));
            }
            List<Response> responses = redis.batch(requests).await().atMost(timeout);
            for (int i = 0; i < chunk.size(); i++) {
                if (responses.get(i).toLong() > 0) {
                    found.add(UploadedEvents.id(chunk.get(i).table(), chunk.get(i).eventId()));
                }
            }
        }
        return found;
    }

    @Override
    public void record(String table, Collection<String> eventIds) {
        List<String> ids = List.copyOf(eventIds);
        for (int from = 0; from < ids.size(); from += CHUNK) {
            List<Request> requests = new ArrayList<>();
            for (String eventId : ids.subList(from, Math.min(ids.size(), from + CHUNK))) {
                requests.add(Request.cmd(Command.SET).arg(seenKey(keyPrefix, table, eventId)).arg("1").arg("EX").arg(ttlSeconds));
            }
            redis.batch(requests).await().atMost(timeout);
        }
    }
}
