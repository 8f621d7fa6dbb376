package io.tributary.sink.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import io.tributary.schemas.text.AvroText;
import io.tributary.sink.view.ViewRecord;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * {@link LatestState} in Redis: one hash per row at {@code <prefix><table>:<pk>}, written by one Lua
 * script (EVALSHA, pipelined per batch) that compares LSNs. Layout and script: {@code redis/write-if-newer.lua}.
 *
 * <p>Row hash fields: every non-null column, rendered as text by {@link AvroText#render}, plus {@code _lsn}
 * (20 zero-padded digits), {@code _op}, {@code _event_id}, {@code _source_ts_ms}. A delete removes the hash
 * and sets {@code <prefix>~deleted:<table>:<pk>} = LSN for the tombstone TTL.
 */
public final class RedisLatestState implements LatestState {

    public static final String SCRIPT = load("/redis/write-if-newer.lua");

    private final Redis redis;
    private final String keyPrefix;
    private final Function<String, Duration> ttlOfTable;
    private final long tombstoneTtlSeconds;
    private final Duration timeout;
    private volatile String sha;

    public RedisLatestState(Redis redis, String keyPrefix, Function<String, Duration> ttlOfTable, Duration tombstoneTtl,
            Duration timeout) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.ttlOfTable = ttlOfTable;
        this.tombstoneTtlSeconds = Math.max(1, tombstoneTtl.toSeconds());
        this.timeout = timeout;
    }

    /** {@code <prefix><table>:<pk>}. */
    public static String rowKey(String prefix, String table, String pk) {
        return prefix + table + ":" + pk;
    }

    /** {@code <prefix>~deleted:<table>:<pk>}. */
    public static String tombstoneKey(String prefix, String table, String pk) {
        return prefix + "~deleted:" + table + ":" + pk;
    }

    /** An LSN as text whose string order is its numeric (unsigned) order. */
    public static String lsnText(long lsn) {
        String digits = Long.toUnsignedString(lsn);
        return "0".repeat(20 - digits.length()) + digits;
    }

    @Override
    public Prepared prepare(List<ViewRecord> changes) {
        List<List<Object>> args = new ArrayList<>(changes.size());
        for (ViewRecord change : changes) {
            args.add(arguments(change));
        }
        return () -> apply(changes, args);
    }

    private Outcome apply(List<ViewRecord> changes, List<List<Object>> args) {
        Map<String, Integer> applied = new HashMap<>();
        Map<String, Integer> stale = new HashMap<>();
        if (changes.isEmpty()) {
            return new Outcome(applied, stale);
        }
        List<Response> responses;
        try {
            responses = run(args);
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("NOSCRIPT")) {
                sha = null;
                responses = run(args);
            } else {
                throw e;
            }
        }
        for (int i = 0; i < changes.size(); i++) {
            Map<String, Integer> counts = responses.get(i).toLong() == 1L ? applied : stale;
            counts.merge(changes.get(i).table(), 1, Integer::sum);
        }
        return new Outcome(applied, stale);
    }

    private List<Response> run(List<List<Object>> args) {
        String script = sha != null ? sha : loadScript();
        List<Request> requests = new ArrayList<>(args.size());
        for (List<Object> arguments : args) {
            Request request = Request.cmd(Command.EVALSHA).arg(script);
            for (Object arg : arguments) {
                if (arg instanceof Long number) {
                    request.arg(number.longValue());
                } else {
                    request.arg((String) arg);
                }
            }
            requests.add(request);
        }
        return redis.batch(requests).await().atMost(timeout);
    }

    private String loadScript() {
        Response response = redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT)).await().atMost(timeout);
        sha = response.toString();
        return sha;
    }

    /** The EVALSHA arguments after the script's sha: key count, keys, then the script's arguments. */
    private List<Object> arguments(ViewRecord change) {
        String pk = AvroText.primaryKey(change.key());
        Duration ttl = ttlOfTable.apply(change.table());
        List<Object> args = new ArrayList<>();
        args.add(2L);
        args.add(rowKey(keyPrefix, change.table(), pk));
        args.add(tombstoneKey(keyPrefix, change.table(), pk));
        args.add(lsnText(change.lsn()));
        args.add(change.isDelete() ? "D" : "U");
        args.add(ttl == null ? 0L : Math.max(1, ttl.toSeconds()));
        args.add(tombstoneTtlSeconds);
        if (!change.isDelete()) {
            args.add("_op");
            args.add(change.op());
            args.add("_event_id");
            args.add(change.eventId());
            args.add("_source_ts_ms");
            args.add(change.sourceTsMs());
            GenericRecord after = change.after();
            for (Schema.Field field : after.getSchema().getFields()) {
                String value = AvroText.render(field.schema(), after.get(field.pos()));
                if (value != null) {
                    args.add(field.name());
                    args.add(value);
                }
            }
        }
        return args;
    }

    private static String load(String resource) {
        try (InputStream in = RedisLatestState.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
