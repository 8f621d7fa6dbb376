package io.tributary.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class ServiceJvmOptionsTest {

    @Test
    void ownOptionsReplaceTheSameFlagInPlaceAndAddTheRest() {
        List<String> base = List.of("-XX:+UseSerialGC", "-Xms128m", "-Xmx128m", "-Xmn32m", "-XX:MetaspaceSize=96m");

        assertThat(DemoMain.withOwn(base, List.of("-Xmx112m", "-XX:MetaspaceSize=64m", "-XX:-UseSerialGC", "-XX:TieredStopAtLevel=1")))
                .containsExactly("-XX:-UseSerialGC", "-Xms128m", "-Xmx112m", "-Xmn32m", "-XX:MetaspaceSize=64m", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void theSinkRunsC1OnlyInASmallerHeapAndTheProcessorTheSharedOptions() {
        List<String> sink = DemoMain.withOwn(DemoMain.SERVICE_JVM_OPTIONS, DemoMain.OWN_JVM_OPTIONS.get("sink-service"));

        assertThat(sink).contains("-Xms112m", "-Xmx112m", "-XX:TieredStopAtLevel=1").doesNotContain("-Xms128m", "-Xmx128m");
        assertThat(sink).hasSize(DemoMain.SERVICE_JVM_OPTIONS.size() + 1);
        assertThat(DemoMain.OWN_JVM_OPTIONS).doesNotContainKey("processor-service");
    }
}
