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
    void theProcessorAndTheSinkRunC1OnlyTheCaptureServiceC2() {
        List<String> sink = DemoMain.defaultJvmOptions("sink-service");
        List<String> processor = DemoMain.defaultJvmOptions("processor-service");
        List<String> capture = DemoMain.defaultJvmOptions("capture-service");

        assertThat(sink).contains("-Xms112m", "-Xmx112m", "-XX:TieredStopAtLevel=1").doesNotContain("-Xms128m", "-Xmx128m");
        assertThat(sink).hasSize(DemoMain.SERVICE_JVM_OPTIONS.size() + 1);
        assertThat(processor).contains("-Xmx128m", "-XX:TieredStopAtLevel=1").hasSize(DemoMain.SERVICE_JVM_OPTIONS.size() + 1);
        assertThat(capture).contains("-Xmx112m").noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel"));
    }
}
