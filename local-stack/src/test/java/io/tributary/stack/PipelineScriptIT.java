package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./pipeline up | status | down} as a user runs it (on free ports and a temporary state folder):
 * every service comes up healthy, a second {@code up} is harmless, {@code down} leaves no process behind.
 */
class PipelineScriptIT {

    @TempDir
    Path state;
    final Map<String, String> env = new HashMap<>();

    record Run(int exitCode, String output) {
    }

    @AfterEach
    void cleanUp() throws Exception {
        pipeline("down");
    }

    @Test
    void upTwiceStatusAndDownLeavesNoProcess() throws Exception {
        LocalStack.Ports ports = LocalStack.Ports.free();
        env.put("TRIBUTARY_HOME", state.toString());
        env.put("TRIBUTARY_PG_PORT", Integer.toString(ports.postgres()));
        env.put("TRIBUTARY_REDIS_PORT", Integer.toString(ports.redis()));
        env.put("TRIBUTARY_KAFKA_PORT", Integer.toString(ports.kafka()));
        env.put("TRIBUTARY_KAFKA_CONTROLLER_PORT", Integer.toString(ports.kafkaController()));
        env.put("TRIBUTARY_S3_PORT", Integer.toString(ports.s3()));
        env.put("TRIBUTARY_REGISTRY_PORT", Integer.toString(ports.registry()));
        env.put("TRIBUTARY_SKIP_BUILD", "1");

        Run up = pipeline("up");
        assertThat(up.exitCode()).as(up.output()).isZero();
        assertThat(up.output()).contains("stack up in");

        List<Long> pids = new ArrayList<>();
        for (String pidFile : List.of("redis/pid", "kafka/pid", "s3/pid", "registry/pid", "postgres/data/postmaster.pid")) {
            OptionalLong pid = Processes.readPid(state.resolve(pidFile));
            assertThat(pid).as(pidFile).isPresent();
            pids.add(pid.getAsLong());
        }

        Run again = pipeline("up");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("postgres  already running", "kafka     already running");
        for (String pidFile : List.of("redis/pid", "kafka/pid", "s3/pid", "registry/pid", "postgres/data/postmaster.pid")) {
            assertThat(pids).contains(Processes.readPid(state.resolve(pidFile)).getAsLong());
        }

        Run status = pipeline("status");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output().lines().filter(l -> l.matches("^\\w+\\s+UP\\s+.*")).count()).isEqualTo(5);

        Run down = pipeline("down");
        assertThat(down.exitCode()).as(down.output()).isZero();
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).filter(Processes::isLive)).as("pid " + pid + " after down").isEmpty();
        }
        for (int port : List.of(ports.postgres(), ports.redis(), ports.kafka(), ports.s3(), ports.registry())) {
            assertThat(Processes.portOpen("127.0.0.1", port)).as("port " + port + " after down").isFalse();
        }
        Run after = pipeline("status");
        assertThat(after.exitCode()).isEqualTo(1);
        assertThat(after.output()).containsPattern("(?m)^postgres\\s+DOWN");
    }

    private Run pipeline(String command) throws Exception {
        if (!env.containsKey("TRIBUTARY_HOME")) {
            return new Run(0, "");
        }
        Path script = StackLayout.discover().root().resolve("pipeline");
        ProcessBuilder builder = new ProcessBuilder(script.toString(), command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).isTrue();
        Files.writeString(state.resolve("pipeline-" + command + ".out"), output);
        return new Run(process.exitValue(), output);
    }
}
