package io.tributary.capture.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CaptureEngineTest {

    @Test
    void tableNamesMustBeSchemaQualified() {
        assertThat(PostgresPreflight.split("public.customers")).containsExactly("public", "customers");
        assertThatThrownBy(() -> PostgresPreflight.split("customers")).hasMessageContaining("not schema.table");
        assertThatThrownBy(() -> PostgresPreflight.split("a.b.c")).hasMessageContaining("not schema.table");
    }
}
