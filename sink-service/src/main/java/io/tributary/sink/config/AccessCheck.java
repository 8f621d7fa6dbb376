package io.tributary.sink.config;

import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.tributary.support.KafkaPreflight;
import io.tributary.support.RedisPreflight;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Before anything else starts: one request to Kafka, one PING to Redis and one HEAD of the bucket, each with the
 * configured credentials, so that a wrong password or key, an untrusted certificate or a missing right fails start-up
 * naming the key to fix. A service that does not answer does not fail it; the sink waits for it as always.
 */
@Startup(10)
@ApplicationScoped
public class AccessCheck {

    private static final Logger LOG = Logger.getLogger(AccessCheck.class);
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    public AccessCheck(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, Redis redis, S3Client s3,
            SinkConfig config) {
        KafkaPreflight.check(kafkaConfig, "kafka.", TIMEOUT);
        RedisPreflight.check(redis.send(Request.cmd(Command.PING)).subscribeAsCompletionStage(), "quarkus.redis.hosts", TIMEOUT);
        checkBucket(s3, config.lake().bucket());
    }

    static void checkBucket(S3Client s3, String bucket) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw new IllegalStateException("S3 refused the credentials for bucket " + bucket
                        + " (quarkus.s3.aws.credentials.static-provider.access-key-id / secret-access-key, or the role of the pod): "
                        + e.awsErrorDetails().errorMessage(), e);
            }
            LOG.warnf("S3 answered HEAD of bucket %s with %d at start-up; starting anyway", bucket, e.statusCode());
        } catch (SdkClientException e) {
            if (hasSslCause(e)) {
                throw new IllegalStateException("TLS with S3 failed (quarkus.s3.endpoint-override and the trust store, "
                        + "quarkus.s3.sync-client.tls-trust-managers-provider.*): " + e.getMessage(), e);
            }
            LOG.warnf("S3 did not answer at start-up (%s); starting anyway, uploads retry", e.getMessage());
        }
    }

    private static boolean hasSslCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }
}
