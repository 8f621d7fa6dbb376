package io.tributary.sink.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tributary.testsupport.TestServices;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/** Reads what the sink wrote to the test Redis. */
public final class RedisReader implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;

    public RedisReader(TestServices services) {
        this.redis = Redis.createClient(vertx, services.redis().uri());
    }

    /** The row hash at a key (empty when absent). */
    public Map<String, String> hash(String key) {
        Response response = redis.send(Request.cmd(Command.HGETALL).arg(key)).await().indefinitely();
        Map<String, String> map = new TreeMap<>();
        for (String field : response.getKeys()) {
            map.put(field, response.get(field).toString());
        }
        return map;
    }

    public String string(String key) {
        Response response = redis.send(Request.cmd(Command.GET).arg(key)).await().indefinitely();
        return response == null ? null : response.toString();
    }

    public List<String> keys(String pattern) {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            Response response = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000))
                    .await().indefinitely();
            cursor = response.get(0).toString();
            response.get(1).forEach(k -> keys.add(k.toString()));
        } while (!"0".equals(cursor));
        return keys.stream().sorted().toList();
    }

    /** Every key matching the pattern with its content (hash fields, or the string value of a tombstone). */
    public Map<String, Object> dump(String pattern) {
        Map<String, Object> dump = new TreeMap<>();
        for (String key : keys(pattern)) {
            String type = redis.send(Request.cmd(Command.TYPE).arg(key)).await().indefinitely().toString();
            dump.put(key, "hash".equals(type) ? hash(key) : string(key));
        }
        return dump;
    }

    @Override
    public void close() {
        redis.close();
        vertx.closeAndAwait();
    }
}
