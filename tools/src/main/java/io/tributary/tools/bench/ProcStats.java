package io.tributary.tools.bench;

import java.io.IOException;
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
            return OptionalLong.of(Long.parseLong(Files.readString(pidFile).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** RSS and CPU time (user + system) of the process, or null when it is gone. */
    static Usage read(long pid) {
        try {
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).replace("kB", "").strip()) * 1024;
                }
            }
            return new Usage(rss, cpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** utime + stime (fields 14 and 15) of a /proc/<pid>/stat line, in seconds; the command may contain spaces. */
    static double cpuSeconds(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        // f[0] is field 3 (state): field n is f[n - 3]
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    }
}
