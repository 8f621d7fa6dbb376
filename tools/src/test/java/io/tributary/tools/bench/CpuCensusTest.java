package io.tributary.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's CPU census: machine and process-tree CPU from /proc, and CPU per change above idle. */
class CpuCensusTest {

    @Test
    void machineBusyTimeLeavesIdleAndIowaitOut() {
        // cpu user nice system idle iowait irq softirq steal guest guest_nice
        assertThat(ProcStats.machineBusySeconds("cpu  1000 10 300 99999 777 5 40 2 50 0")).isCloseTo(13.57, within(1e-9));
    }

    @Test
    void readsParentAndReapedChildrenFromAStatLine() {
        String stat = "4321 (postgres: walsender x) S 77 4321 4321 0 -1 4194560 100 0 0 0 250 50 600 100 20 0 30 0 100 1000 200";
        assertThat(ProcStats.parentPid(stat)).isEqualTo(77);
        assertThat(ProcStats.cpuSeconds(stat)).isEqualTo(3.0);
        assertThat(ProcStats.cpuSecondsWithReapedChildren(stat)).isEqualTo(10.0);
    }

    @Test
    void aTreeKeepsTheCpuOfAChildThatHasExited() throws Exception {
        long self = ProcessHandle.current().pid();
        double before = ProcStats.readTree(self).cpuSeconds();
        // a child that burns CPU and exits; waitFor reaps it, so its time is in this JVM's cutime from then on
        Process child = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done").start();
        child.waitFor();
        assertThat(ProcStats.readTree(self).cpuSeconds() - before).isGreaterThan(0.2);
    }

    @Test
    void aPidFileOfSeveralLinesGivesItsFirst(@TempDir Path dir) throws Exception {
        // PostgreSQL's postmaster.pid: the pid, then the data folder, start time, port, ...
        Path file = dir.resolve("postmaster.pid");
        Files.writeString(file, "5159\n/var/lib/data\n1765120000\n5433\n");
        assertThat(ProcStats.pid(file)).hasValue(5159);
    }

    @Test
    void cpuPerChangeSubtractsEachProcesssIdleCostAndLeavesRestartedOnesOut() {
        Sampler.Tick start = tick(0, Map.of("capture-service", 10.0, "sink-service", 50.0, Sampler.MACHINE, 100.0));
        // 20 s, 10,000 changes; the sink restarted (its CPU time went back)
        Sampler.Tick end = tick(20_000, Map.of("capture-service", 13.0, "sink-service", 2.0, Sampler.MACHINE, 130.0));
        Map<String, Double> idle = Map.of("capture-service", 0.05, Sampler.MACHINE, 0.2);
        Map<String, Double> perChange = Stats.cpuPerChange(start, end, 10_000, idle);
        // capture: (3 s - 0.05 x 20 s) / 10,000 = 0.2 ms; machine: (30 s - 4 s) / 10,000 = 2.6 ms
        assertThat(perChange).containsEntry("capture-service", 0.2).containsEntry(Sampler.MACHINE, 2.6).doesNotContainKey("sink-service");
    }

    @Test
    void theTableGivesWhatTheMachinesCpuPerChangeAllows() {
        Map<String, Object> r = Map.of("hardware", Map.of("cpus", 2), "idle_cpu_pct", Map.of("capture-service", 8.0),
                "fixed_rate", List.of(Map.of("target_rate", 1000.0, "cpu_ms_per_change", Map.of("capture-service", 0.2, Sampler.MACHINE, 0.9),
                        "machine_busy_pct_during_load", 55.0)),
                "max_rate", Map.of("cpu_ms_per_change", Map.of("capture-service", 0.1, "kafka", 0.05, BenchMain.POSTGRES, 0.1,
                        Sampler.MACHINE, 0.4), "machine_busy_pct_during_load", 99.5));
        String table = Report.cpuTable(r);
        assertThat(table).contains("| capture-service | 8.0 | 0.200 | 0.100 |");
        assertThat(table).contains("| machine busy during the load, % of all cores | | 55.0 | 99.5 |");
        assertThat(table).contains("the pipeline's processes 0.150, PostgreSQL and the generator 0.100");
        assertThat(table).contains("its 2 cores allow at most 5000 changes/s").contains("on 2 cores of their own, at most 13333 changes/s");
    }

    @Test
    void machineBusyIsItsCpuOverTheTimeAndCores() {
        List<Sampler.Tick> load = List.of(tick(0, Map.of(Sampler.MACHINE, 100.0)), tick(5_000, Map.of(Sampler.MACHINE, 104.0)),
                tick(10_000, Map.of(Sampler.MACHINE, 115.0)));
        assertThat(Stats.machineBusyPct(load, 2)).isEqualTo(75.0);
        assertThat(Stats.machineBusyPct(load.subList(0, 1), 2)).isNaN();
    }

    private static Sampler.Tick tick(long millis, Map<String, Double> cpu) {
        Map<String, ProcStats.Usage> usage = new TreeMap<>();
        cpu.forEach((name, seconds) -> usage.put(name, new ProcStats.Usage(0, seconds)));
        return new Sampler.Tick(millis, Map.of(), Map.of(), usage);
    }
}
