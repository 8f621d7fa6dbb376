package io.tributary.tools.demo;

import java.util.HashMap;
import java.util.Map;

import io.tributary.stack.LocalStack;
import io.tributary.stack.StackSecurity;

/**
 * The configuration each service needs on a secure stack ({@code ./pipeline up --secure}): TLS to every backing
 * service, trusting the stack's CA, and the service's own principal on each. The keys are the ones the deploy
 * manifests set from Secrets (SECURITY.md lists them).
 */
public final class SecureServices {

    /** The name of the TLS configuration (Quarkus TLS registry) the Redis client uses. */
    static final String TLS_NAME = "tributary";

    private SecureServices() {
    }

    /** Kafka client settings of one principal, under {@code kafka.} as every service reads them. */
    public static Map<String, String> kafka(StackSecurity security, String principal) {
        Map<String, String> config = new HashMap<>();
        security.kafkaClientProperties(principal).forEach((k, v) -> config.put("kafka." + k, v));
        return config;
    }

    public static Map<String, String> capture(LocalStack stack, StackSecurity security) {
        Map<String, String> config = kafka(security, "capture");
        config.put("capture.database.user", security.captureRole());
        config.put("capture.database.password", security.capturePassword());
        config.put("capture.database.ssl-mode", "verify-full");
        config.put("capture.database.ssl-root-cert", security.caCert().toString());
        // the role may not create the publication: the stack created it (local-stack postgres/least-privilege.sql)
        config.put("capture.debezium.publication.autocreate.mode", "disabled");
        return config;
    }

    public static Map<String, String> processor(LocalStack stack, StackSecurity security) {
        Map<String, String> config = kafka(security, "processor");
        config.putAll(redis(security, "processor"));
        return config;
    }

    public static Map<String, String> sink(LocalStack stack, StackSecurity security) {
        Map<String, String> config = kafka(security, "sink");
        config.putAll(redis(security, "sink"));
        config.put("quarkus.s3.endpoint-override", stack.s3().endpoint());
        config.put("quarkus.s3.aws.credentials.static-provider.access-key-id", security.s3AccessKey());
        config.put("quarkus.s3.aws.credentials.static-provider.secret-access-key", security.s3SecretKey());
        config.put("quarkus.s3.sync-client.tls-trust-managers-provider.type", "file-store");
        config.put("quarkus.s3.sync-client.tls-trust-managers-provider.file-store.path", security.truststore().toString());
        config.put("quarkus.s3.sync-client.tls-trust-managers-provider.file-store.type", "PKCS12");
        config.put("quarkus.s3.sync-client.tls-trust-managers-provider.file-store.password", security.truststorePassword());
        return config;
    }

    private static Map<String, String> redis(StackSecurity security, String user) {
        return Map.of(
                "quarkus.redis.hosts", security.redisUri(user),
                "quarkus.redis.tls-configuration-name", TLS_NAME,
                "quarkus.tls." + TLS_NAME + ".trust-store.pem.certs", security.caCert().toString(),
                // the Redis client does not take the registry's default: without it Vert.x refuses to connect
                "quarkus.tls." + TLS_NAME + ".hostname-verification-algorithm", "HTTPS");
    }
}
