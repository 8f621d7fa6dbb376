package io.tributary.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLHandshakeException;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class AccessFailuresTest {

    @Test
    void kafkaRefusalsNameTheKeyToFix() {
        assertThat(AccessFailures.kafka(new ExecutionException(new SaslAuthenticationException("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")),
                "127.0.0.1:9093", "kafka."))
                .get().asString().contains("kafka.sasl.jaas.config").contains("127.0.0.1:9093").contains("invalid credentials");
        assertThat(AccessFailures.kafka(new SslAuthenticationException("SSL handshake failed", new SSLHandshakeException("PKIX path building failed")),
                "b:1", "capture.kafka."))
                .get().asString().contains("capture.kafka.ssl.truststore.location").contains("PKIX path building failed");
        assertThat(AccessFailures.kafka(new TopicAuthorizationException("Not authorized to access topics: [t]"), "b:1", "kafka."))
                .get().asString().contains("denied").contains("Not authorized");
    }

    @Test
    void aKafkaFailureThatIsNoRefusalIsLeftToTheRetries() {
        assertThat(AccessFailures.kafka(new ExecutionException(new TimeoutException("timed out")), "b:1", "kafka.")).isEmpty();
    }

    @Test
    void redisRefusalsNameTheKeyAndNeverThePassword() {
        assertThat(AccessFailures.redis(new RuntimeException(new IllegalStateException("WRONGPASS invalid username-password pair or user is disabled.")),
                "quarkus.redis.hosts"))
                .get().asString().contains("quarkus.redis.hosts").contains("WRONGPASS").doesNotContain("secret");
        assertThat(AccessFailures.redis(new SSLHandshakeException("PKIX path building failed"), "quarkus.redis.hosts"))
                .get().asString().contains("quarkus.redis.tls-configuration-name");
        assertThat(AccessFailures.redis(new java.net.ConnectException("Connection refused"), "quarkus.redis.hosts")).isEmpty();
    }
}
