package io.tributary.tools.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.Response;

/**
 * Reads the sink's latest state of one table from Redis: a hash per row at {@code <prefix><table>:<pk>},
 * holding the columns as text plus {@code _}-prefixed metadata (dropped here).
 */
public final class RedisRows {

    private RedisRows() {
    }

    /** The client options for these endpoints: TLS trusting the stack's CA when the stack is secure. */
    public static RedisOptions options(ReconcileMain.Endpoints endpoints) {
        RedisOptions options = new RedisOptions().setConnectionString(endpoints.redisUri());
        if (endpoints.tls() != null) {
            options.setNetClientOptions(new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
                    .setTrustOptions(new PemTrustOptions().addCertPath(endpoints.tls().caCert().toString())));
        }
        return options;
    }

    public static Rows read(RedisOptions options, String keyPrefix, String table, List<String> columns) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            RedisConnection redis = await(Redis.createClient(vertx, options).connect().toCompletionStage().toCompletableFuture());
            try {
                String pattern = keyPrefix + table + ":*";
                List<String> keys = new ArrayList<>();
                String cursor = "0";
                do {
                    Response page = await(redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000))
                            .toCompletionStage().toCompletableFuture());
                    cursor = page.get(0).toString();
                    page.get(1).forEach(k -> keys.add(k.toString()));
                } while (!"0".equals(cursor));

                Map<String, Map<String, String>> rows = new HashMap<>();
                String rowPrefix = keyPrefix + table + ":";
                for (String key : keys) {
                    Response hash = await(redis.send(Request.cmd(Command.HGETALL).arg(key)).toCompletionStage().toCompletableFuture());
                    Map<String, String> row = new HashMap<>();
                    for (String column : columns) {
                        row.put(column, null);
                    }
                    for (String field : hash.getKeys()) {
                        if (columns.contains(field)) {
                            row.put(field, hash.get(field).toString());
                        }
                    }
                    rows.put(key.substring(rowPrefix.length()), row);
                }
                return new Rows("redis", rows);
            } finally {
                redis.close();
            }
        } finally {
            vertx.close();
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(30, TimeUnit.SECONDS);
    }
}
