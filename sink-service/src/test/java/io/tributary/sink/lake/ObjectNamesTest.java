package io.tributary.sink.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class ObjectNamesTest {

    @Test
    void partitionsByEventHourInUtc() {
        long ts = Instant.parse("2026-01-02T23:59:59.999Z").toEpochMilli();
        ObjectNames names = new ObjectNames("views/");
        long hour = ObjectNames.hourOf(ts);
        assertThat(names.partitionPath("orders", hour)).isEqualTo("views/orders/dt=2026-01-02/hr=23/");
        assertThat(names.objectKey("orders", hour, "tributary.view.orders", 2, 10, 99))
                .isEqualTo("views/orders/dt=2026-01-02/hr=23/tributary.view.orders+2+10-99.parquet");
        assertThat(ObjectNames.hourOf(ts + 1)).isEqualTo(hour + 1);
    }

    @Test
    void readsTheOffsetRangeBackFromAName() {
        assertThat(ObjectNames.rangeOf("orders/dt=2026-01-02/hr=23/tributary.view.orders+2+10-99.parquet"))
                .contains(new ObjectNames.OffsetRange(10, 99));
        assertThat(ObjectNames.rangeOf("orders/dt=2026-01-02/hr=23/_SUCCESS")).isEmpty();
        assertThat(new ObjectNames.OffsetRange(10, 99).contains(99)).isTrue();
        assertThat(new ObjectNames.OffsetRange(10, 99).contains(100)).isFalse();
    }
}
