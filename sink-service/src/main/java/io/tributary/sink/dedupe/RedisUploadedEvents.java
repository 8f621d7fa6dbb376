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
 * value {@code 1}, expiring after the dedupe TTL. A lookup is one MGET per {@value #LOOKUP_CHUNK} ids, a record one
 * EVAL (a SET … EX per key) per {@value #RECORD_CHUNK}, pipelined: a request and a reply per chunk, not per id. (A
 * script holds Redis for its whole run, so its chunks are smaller.)
 */
public final class RedisUploadedEvents implements UploadedEvents {

    private static final int LOOKUP_CHUNK = 1000;
    private static final int RECORD_CHUNK = 250;
    static final String RECORD_SCRIPT =
            "for i = 1, #KEYS do redis.call('SET', KEYS[i], '1', 'EX', ARGV[1]) end return #KEYS";

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
        for (int from = 0; from < changes.size(); from += LOOKUP_CHUNK) {
            List<ViewRecord> chunk = changes.subList(from, Math.min(changes.size(), from + LOOKUP_CHUNK));
            Request request = Request.cmd(Command.MGET);
            for (ViewRecord change : chunk) {
                request.arg(seenKey(keyPrefix, change.table(), change.eventId()));
            }
            Response values = redis.send(request).await().atMost(timeout);
            for (int i = 0; i < chunk.size(); i++) {
                if (values.get(i) != null) {
                    found.add(UploadedEvents.id(chunk.get(i).table(), chunk.get(i).eventId()));
                }
            }
        }
        return found;
    }

    @Override
    public void record(String table, Collection<String> eventIds) {
        List<String> ids = List.copyOf(eventIds);
        List<Request> requests = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += RECORD_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + RECORD_CHUNK));
            Request request = Request.cmd(Command.EVAL).arg(RECORD_SCRIPT).arg(chunk.size());
            for (String eventId : chunk) {
                request.arg(seenKey(keyPrefix, table, eventId));
            }
            requests.add(request.arg(ttlSeconds));
        }
        if (!requests.isEmpty()) {
            redis.batch(requests).await().atMost(timeout);
        }
    }
}
