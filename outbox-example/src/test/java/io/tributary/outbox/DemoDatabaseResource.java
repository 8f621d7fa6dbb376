package io.tributary.outbox;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.testsupport.RealServicesResource;
import io.tributary.testsupport.TestServices;

/** The shared test PostgreSQL with the demo tables (schemas' demo/schema.sql) created. */
public class DemoDatabaseResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = RealServicesResource.configFor(TestServices.shared(), List.of("postgres"));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/schema.sql");
                Connection c = TestServices.shared().postgres().connect(); Statement s = c.createStatement()) {
            s.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return config;
    }

    @Override
    public void stop() {
    }
}
