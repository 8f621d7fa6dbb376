package io.tributary.processor.config;

import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.tributary.support.KafkaPreflight;
import io.tributary.support.RedisPreflight;

/**
 * Before anything else starts: one request to Kafka and one PING to Redis with the configured credentials, so that
 * a wrong password, an untrusted certificate or a missing ACL fails start-up naming the key to fix. An unreachable
 * Kafka or Redis does not fail it; the processor waits for them as always.
 */
@Startup(10)
@ApplicationScoped
public class AccessCheck {

    static final Duration TIMEOUT = Duration.ofSeconds(15);

    public AccessCheck(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, ReactiveRedisDataSource redis) {
        KafkaPreflight.check(kafkaConfig, "kafka.", TIMEOUT);
        RedisPreflight.check(redis.execute("PING").subscribeAsCompletionStage(), "quarkus.redis.hosts", TIMEOUT);
    }
}
