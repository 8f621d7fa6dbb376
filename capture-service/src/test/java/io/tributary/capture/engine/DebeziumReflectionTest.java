package io.tributary.capture.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The native-image registration of the classes Debezium creates by name stays in step with the code and the config. */
class DebeziumReflectionTest {

    private static final List<String> REGISTERED = List.of(DebeziumReflection.class.getAnnotation(RegisterForReflection.class).classNames());

    @Test
    void everyRegisteredNameIsAClassOnTheClasspath() throws Exception {
        for (String name : REGISTERED) {
            assertThat(Class.forName(name, false, getClass().getClassLoader())).as(name).isNotNull();
        }
    }

    @Test
    void everyClassValuedEnginePropertyIsRegistered() {
        Map<String, String> m = CaptureConfigTest.valid();
        m.put("capture.debezium.transforms", "outbox");
        m.put("capture.debezium.transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        Properties p = CaptureEngine.engineProperties(CaptureConfigTest.config(m), Map.of());
        int classes = 0;
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key);
            if (isClass(value)) {
                classes++;
                assertThat(REGISTERED).as("%s = %s", key, value).contains(value);
            }
        }
        assertThat(classes).as("connector, offset store and transform").isGreaterThanOrEqualTo(3);
    }

    private boolean isClass(String value) {
        if (value == null || !value.matches("[a-z][\\w]*(\\.[\\w$]+)+")) {
            return false;
        }
        try {
            Class.forName(value, false, getClass().getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
