package io.tributary.tools.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** RSS and CPU time of a process from /proc (Linux). */
final class ProcStats {

    /** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux x86-64). */
    static final double TICKS = 100.0;

    record Usage(long rssBytes, double cpuSeconds) {
    }

    private ProcStats() {
    }

    /** The pid a pid file holds (first line), if any. */
    static OptionalLong pid(Path pidFile) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(pidFile).strip().lines().findFirst().orElse("").strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** RSS and CPU time (user + system) of the process, or null when it is gone. */
    static Usage read(long pid) {
        try {
            return new Usage(rssBytes(pid), cpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** VmRSS of /proc/<pid>/status, in bytes. */
    private static long rssBytes(long pid) throws IOException {
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.substring(6).replace("kB", "").strip()) * 1024;
            }
        }
        return rss;
    }

    /**
     * CPU time of a process and all its children, alive or gone (PostgreSQL: the postmaster, its backends and its
     * WAL sender); RSS is the process's own. A child that exited is in the parent's cutime and cstime once reaped,
     * so the total only grows: a connection's backend that ends between two samples still counts.
     */
    static Usage readTree(long pid) {
        long rss;
        double cpu;
        try {
            rss = rssBytes(pid);
            cpu = cpuSecondsWithReapedChildren(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars()
                .allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    if (parentPid(stat) == pid) {
                        cpu += cpuSeconds(stat);
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile: reaped into the parent's cutime by now, or at the next sample
                }
            }
        } catch (IOException e) {
            return null;
        }
        return new Usage(rss, cpu);
    }

    /**
     * CPU time the whole machine was busy, all cores together (user, nice, system, irq, softirq, steal of the
     * {@code cpu} line of /proc/stat): what every process and the kernel's network stack used.
     */
    static Usage machine() {
        try {
            return new Usage(0, machineBusySeconds(Files.readAllLines(Path.of("/proc/stat")).get(0)));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static double machineBusySeconds(String cpuLine) {
        String[] f = cpuLine.strip().split("\\s+");
        // cpu user nice system idle iowait irq softirq steal (guest time is already in user)
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
            busy += Long.parseLong(f[i]);
        }
        return busy / TICKS;
    }

    /** utime + stime (fields 14 and 15) of a /proc/<pid>/stat line, in seconds; the command may contain spaces. */
    static double cpuSeconds(String stat) {
        String[] f = fields(stat);
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    }

    /** utime + stime + cutime + cstime (fields 14 to 17): the process and its reaped children. */
    static double cpuSecondsWithReapedChildren(String stat) {
        String[] f = fields(stat);
        return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;
    }

    /** The parent's pid (field 4). */
    static long parentPid(String stat) {
        return Long.parseLong(fields(stat)[1]);
    }

    /** The fields after the command: f[0] is field 3 (state), so field n is f[n - 3]. */
    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
    }
}
