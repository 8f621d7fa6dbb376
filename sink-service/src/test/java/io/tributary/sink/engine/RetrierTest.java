package io.tributary.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class RetrierTest {

    private final SinkStatus status = new SinkStatus();
    private final Retrier retrier = new Retrier(Duration.ofMillis(5), Duration.ofMillis(20), status,
            new SinkMetrics(new SimpleMeterRegistry()));

    private static UncheckedIOException outage() {
        return new UncheckedIOException(new ConnectException("Connection refused"));
    }

    @Test
    void aDependencyStaysFailingWhileAnotherThreadsCallStillRetries() throws Exception {
        AtomicBoolean redisBack = new AtomicBoolean();
        CountDownLatch uploaderFailing = new CountDownLatch(1);
        // the uploader's call keeps failing until Redis is back for it
        CompletableFuture<String> uploader = CompletableFuture.supplyAsync(() -> retrier.call("redis", "record ids", () -> {
            if (!redisBack.get()) {
                uploaderFailing.countDown();
                throw outage();
            }
            return "recorded";
        }));
        assertThat(uploaderFailing.await(5, TimeUnit.SECONDS)).isTrue();

        // meanwhile the worker's call fails once, then succeeds
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retrier.call("redis", "apply", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw outage();
            }
            return "applied";
        })).isEqualTo("applied");

        assertThat(status.degraded()).as("the uploader's call still retries").isTrue();
        assertThat(status.failing()).containsKey("redis");

        redisBack.set(true);
        assertThat(uploader.get(5, TimeUnit.SECONDS)).isEqualTo("recorded");
        assertThat(status.degraded()).isFalse();
    }

    @Test
    void aCallThatGivesUpAfterAnOutageDoesNotLeaveTheDependencyFailing() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retrier.call("s3", "upload", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw outage();
            }
            throw new IllegalStateException("403 Access Denied");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(status.degraded()).isFalse();
    }
}
