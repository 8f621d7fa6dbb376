package io.tributary.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.tributary.sink.redis.LatestState;
import io.tributary.sink.testing.Views;
import io.tributary.sink.view.ViewRecord;

class SinkRuntimeTest {

    private static final long HOUR_10 = Instant.parse("2026-11-23T10:05:00Z").toEpochMilli();

    private final SinkEngineTest.FakeStore store = new SinkEngineTest.FakeStore();
    private final AtomicInteger redisWrites = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private SinkRuntime runtime;

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.stop();
        }
    }

    private SinkRuntime runtime() {
        LatestState latest = changes -> () -> {
            redisWrites.addAndGet(changes.size());
            return new LatestState.Outcome(Map.of(), Map.of());
        };
        runtime = new SinkRuntime(SinkEngineTest.settings(1000, 8), new SinkStatus(), new SinkMetrics(new SimpleMeterRegistry()),
                (settings, parts) -> new SinkEngine(settings, store, latest, clock::get, parts.metrics(), parts.retrier(),
                        new SinkEngineTest.FakeUploadedEvents()));
        return runtime;
    }

    private static List<ViewRecord> customer(long offset) {
        return Views.records(Views.CUSTOMER_TOPIC, 0, offset, List.of(Views.customerChange("e" + offset, "INSERT", 1000 + offset,
                HOUR_10, offset, Views.customer(offset, "n", null, null, HOUR_10))));
    }

    private static Map<String, Runnable> noAck() {
        return Map.of(SinkEngine.partitionKey(Views.CUSTOMER_TOPIC, 0), () -> { });
    }

    @Test
    void aFatalErrorInTheRollTimerStopsConsumption() {
        SinkRuntime runtime = runtime();
        runtime.submit(customer(0), noAck()).subscribe().withSubscriber(UniAssertSubscriber.create())
                .awaitItem(Duration.ofSeconds(10));
        assertThat(redisWrites).hasValue(1);

        store.forbidden = true; // the timer's upload fails with an error that is not an outage
        clock.addAndGet(60_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.fatal() != null);

        store.forbidden = false;
        UniAssertSubscriber<Void> next = runtime.submit(customer(1), noAck()).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        next.awaitFailure(Duration.ofSeconds(10)).assertFailedWith(IllegalStateException.class, "failed");
        assertThat(redisWrites).as("the failed engine is not touched: no hole followed by later rows").hasValue(1);
        assertThat(store.objects).isEmpty();
    }

    @Test
    void stoppingReleasesWhoeverWaitsForAJobStillQueued() throws InterruptedException {
        SinkRuntime runtime = runtime();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocker = new Thread(() -> runtime.runOnWorker("block the worker", engine -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stop() interrupts the worker; the job just ends
            }
        }));
        blocker.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        // a rebalance callback (the consumer closing at shutdown) queued behind it, waiting for the engine
        Thread revoke = new Thread(() -> runtime.runOnWorker("revoke", engine -> engine.partitionsRevoked(List.of("x"))));
        revoke.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> revoke.getState() == Thread.State.WAITING);
        UniAssertSubscriber<Void> batch = runtime.submit(customer(0), noAck()).subscribe()
                .withSubscriber(UniAssertSubscriber.create());

        runtime.stop();

        revoke.join(10_000);
        assertThat(revoke.isAlive()).as("the revoke callback returns instead of waiting for a job that never runs").isFalse();
        batch.awaitFailure(Duration.ofSeconds(10)).assertFailedWith(IllegalStateException.class, "stopped");
        assertThat(redisWrites).as("the dropped batch was not written").hasValue(0);
        release.countDown();
        blocker.join(10_000);
    }
}
