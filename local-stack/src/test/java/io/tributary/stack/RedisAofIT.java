package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/** The stack's Redis keeps writes across a graceful restart and a SIGKILL (append-only file). */
class RedisAofIT {

    @TempDir
    static Path dir;
    static RedisServer redis;
    static Vertx vertx;

    @BeforeAll
    static void start() {
        redis = new RedisServer(dir.resolve("redis"), Processes.freePort());
        redis.start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        redis.stop();
        vertx.close();
    }

    @Test
    void writeSurvivesAGracefulRestart() throws Exception {
        send(Request.cmd(Command.SET).arg("it:graceful").arg("kept"));
        redis.stop();
        assertThat(Processes.portOpen("127.0.0.1", redis.port())).isFalse();
        redis.start();
        assertThat(send(Request.cmd(Command.GET).arg("it:graceful")).toString()).isEqualTo("kept");
    }

    @Test
    void writeSurvivesSigkillOnceTheAppendOnlyFileHasIt() throws Exception {
        send(Request.cmd(Command.SET).arg("it:killed").arg("still-here"));
        // appendfsync everysec: wait until the write is in the AOF on disk, then crash the server
        await().atMost(Duration.ofSeconds(10)).until(() -> aofContains("it:killed"));
        redis.kill();
        assertThat(redis.isRunning()).isFalse();
        // kill() returns only once the port is closed, so an immediate restart on it cannot collide
        assertThat(Processes.portOpen("127.0.0.1", redis.port())).isFalse();
        redis.start();
        assertThat(send(Request.cmd(Command.GET).arg("it:killed")).toString()).isEqualTo("still-here");
    }

    @Test
    void aRedisStillLoadingItsDataIsWaitedForPastTheStartTimeout() throws Exception {
        Path bigDir = dir.resolve("redis-loading");
        RedisServer filling = new RedisServer(bigDir, Processes.freePort());
        filling.start();
        try {
            // a million keys in the append-only file: replaying them at start-up takes 1.5-3 s here, several times the start
            // timeout given below (which is long enough for the process to listen: a few ms)
            send(filling, Request.cmd(Command.EVAL).arg("for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'it:load:' .. i, i) end"
                    + " return 1").arg(0).arg(1_000_000));
        } finally {
            filling.stop();
        }
        Duration timeout = Duration.ofMillis(250);
        RedisServer loading = new RedisServer(bigDir, filling.port(), null, timeout);
        long started = System.nanoTime();
        loading.start();
        try {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered only once loaded")
                    .isGreaterThan(timeout.multipliedBy(3));
            assertThat(send(loading, Request.cmd(Command.GET).arg("it:load:1000000")).toString()).isEqualTo("1000000");
        } finally {
            loading.stop();
        }
    }

    private static boolean aofContains(String text) throws Exception {
        try (Stream<Path> files = Files.walk(dir.resolve("redis"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().contains(".aof")).toList()) {
                if (Files.isRegularFile(file) && new String(Files.readAllBytes(file)).contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Response send(Request request) throws Exception {
        return send(redis, request);
    }

    private static Response send(RedisServer server, Request request) throws Exception {
        RedisConnection connection = Redis.createClient(vertx, server.uri()).connect()
                .toCompletionStage().toCompletableFuture().get();
        try {
            return connection.send(request).toCompletionStage().toCompletableFuture().get();
        } finally {
            connection.close();
        }
    }
}
