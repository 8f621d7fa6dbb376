package io.tributary.testsupport;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.stack.KafkaBroker;
import io.tributary.stack.PostgresServer;
import io.tributary.stack.S3ProxyServer;

/**
 * A Quarkus test resource that points the application under test at real services from
 * {@link TestServices#shared()}. Which services: init arg {@code services}, a comma-separated subset of
 * {@code postgres,redis,kafka,s3,registry} (default: all).
 *
 * <pre>{@code @QuarkusTestResource(value = RealServicesResource.class, initArgs = @ResourceArg(name = "services", value = "kafka,registry"))}</pre>
 */
public class RealServicesResource implements QuarkusTestResourceLifecycleManager {

    private List<String> services = List.of("postgres", "redis", "kafka", "s3", "registry");

    @Override
    public void init(Map<String, String> initArgs) {
        String value = initArgs.get("services");
        if (value != null && !value.isBlank()) {
            services = List.of(value.split("\\s*,\\s*"));
        }
    }

    @Override
    public Map<String, String> start() {
        return configFor(TestServices.shared(), services);
    }

    /** The Quarkus configuration that points an application at these services. */
    public static Map<String, String> configFor(TestServices stack, List<String> services) {
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.devservices.enabled", "false");
        for (String service : services) {
            switch (service) {
                case "postgres" -> {
                    PostgresServer pg = stack.postgres();
                    config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
                    config.put("quarkus.datasource.username", PostgresServer.USER);
                    config.put("tributary.test.postgres.port", Integer.toString(pg.port()));
                }
                case "redis" -> config.put("quarkus.redis.hosts", stack.redis().uri());
                case "kafka" -> {
                    KafkaBroker kafka = stack.kafka();
                    config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
                }
                case "s3" -> {
                    S3ProxyServer s3 = stack.s3();
                    config.put("quarkus.s3.endpoint-override", s3.endpoint());
                    config.put("quarkus.s3.path-style-access", "true");
                    config.put("quarkus.s3.aws.region", S3ProxyServer.REGION);
                    config.put("quarkus.s3.aws.credentials.type", "static");
                    config.put("quarkus.s3.aws.credentials.static-provider.access-key-id", S3ProxyServer.ACCESS_KEY);
                    config.put("quarkus.s3.aws.credentials.static-provider.secret-access-key", S3ProxyServer.SECRET_KEY);
                }
                case "registry" -> {
                    String url = stack.registry().url();
                    config.put("apicurio.registry.url", url);
                    config.put("mp.messaging.connector.smallrye-kafka.apicurio.registry.url", url);
                }
                default -> throw new IllegalArgumentException("unknown service '" + service
                        + "': use postgres, redis, kafka, s3 or registry");
            }
        }
        return config;
    }

    @Override
    public void stop() {
        // shared services live until the JVM exits (TestServices' shutdown hook)
    }
}
