package io.tributary.tools.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Rates, latencies and resource figures computed from the sampler's ticks. */
final class Stats {

    private Stats() {
    }

    static double median(List<Double> values) {
        return percentile(values, 0.5);
    }

    /** Nearest-rank percentile of raw values; NaN when empty. */
    static double percentile(List<Double> values, double q) {
        List<Double> v = new ArrayList<>(values);
        v.removeIf(d -> d == null || d.isNaN());
        if (v.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(v);
        int i = (int) Math.ceil(q * v.size()) - 1;
        return v.get(Math.max(0, Math.min(v.size() - 1, i)));
    }

    static List<Sampler.Tick> window(List<Sampler.Tick> ticks, long from, long to) {
        return ticks.stream().filter(t -> t.millis() >= from && t.millis() <= to).toList();
    }

    /** Per-second rates of a stage between consecutive ticks (counter resets and gaps skipped). */
    static List<Double> rates(List<Sampler.Tick> ticks, String stage) {
        List<Double> out = new ArrayList<>();
        for (int i = 1; i < ticks.size(); i++) {
            double a = ticks.get(i - 1).counters().getOrDefault(stage, Double.NaN);
            double b = ticks.get(i).counters().getOrDefault(stage, Double.NaN);
            double dt = (ticks.get(i).millis() - ticks.get(i - 1).millis()) / 1000.0;
            if (!Double.isNaN(a) && !Double.isNaN(b) && b >= a && dt > 0) {
                out.add((b - a) / dt);
            }
        }
        return out;
    }

    /**
     * Median of the per-second rates while the stage was busy: from its first to its last increase in the window, the
     * partial first and last seconds left out. A stage that lags keeps working after the load ended, so this is its own pace.
     */
    static double busyMedian(List<Sampler.Tick> ticks, String stage) {
        List<Double> r = rates(ticks, stage);
        int first = -1;
        int last = -1;
        for (int i = 0; i < r.size(); i++) {
            if (r.get(i) > 0) {
                if (first < 0) {
                    first = i;
                }
                last = i;
            }
        }
        if (first < 0) {
            return Double.NaN;
        }
        List<Double> busy = last - first >= 3 ? r.subList(first + 1, last) : r.subList(first, last + 1);
        return median(busy);
    }

    /** Count added between the first and the last increase of the window, divided by that time: the rate while busy. */
    static double busyRate(List<Sampler.Tick> ticks, String stage) {
        long first = -1;
        long last = -1;
        double added = 0;
        for (int i = 1; i < ticks.size(); i++) {
            double a = ticks.get(i - 1).counters().getOrDefault(stage, Double.NaN);
            double b = ticks.get(i).counters().getOrDefault(stage, Double.NaN);
            if (!Double.isNaN(a) && !Double.isNaN(b) && b > a) {
                if (first < 0) {
                    first = ticks.get(i - 1).millis();
                }
                last = ticks.get(i).millis();
                added += b - a;
            }
        }
        return first < 0 || last <= first ? Double.NaN : added / ((last - first) / 1000.0);
    }

    /** p50/p95/p99 (seconds) and count of each stage's lag observed between two ticks. */
    static Map<String, Map<String, Object>> latency(Sampler.Tick start, Sampler.Tick end) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (String stage : List.of("captured", "processed", "redis", "lake")) {
            TreeMap<Double, Double> d = Histograms.delta(start.lag().get(stage), end.lag().get(stage));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", (long) Histograms.count(d));
            m.put("p50_ms", ms(Histograms.quantile(0.50, d)));
            m.put("p95_ms", ms(Histograms.quantile(0.95, d)));
            m.put("p99_ms", ms(Histograms.quantile(0.99, d)));
            out.put(stage, m);
        }
        return out;
    }

    /** Per-second quantile of a stage's lag (seconds since {@code origin}, seconds of lag), seconds without observations skipped. */
    static List<double[]> latencySeries(List<Sampler.Tick> ticks, String stage, double q, long origin) {
        List<double[]> out = new ArrayList<>();
        for (int i = 1; i < ticks.size(); i++) {
            TreeMap<Double, Double> d = Histograms.delta(ticks.get(i - 1).lag().get(stage), ticks.get(i).lag().get(stage));
            if (Histograms.count(d) > 0) {
                out.add(new double[] {(ticks.get(i).millis() - origin) / 1000.0, Histograms.quantile(q, d)});
            }
        }
        return out;
    }

    static double ms(double seconds) {
        return Double.isNaN(seconds) ? Double.NaN : Math.round(seconds * 10000) / 10.0;
    }

    /** CPU seconds per second of each process sampled at both ticks (over a quiet stretch: its idle cost). */
    static Map<String, Double> cpuRates(Sampler.Tick a, Sampler.Tick b) {
        Map<String, Double> out = new TreeMap<>();
        double dt = (b.millis() - a.millis()) / 1000.0;
        if (dt <= 0) {
            return out;
        }
        b.usage().forEach((name, u) -> {
            ProcStats.Usage before = a.usage().get(name);
            if (before != null && u.cpuSeconds() >= before.cpuSeconds()) {
                out.put(name, (u.cpuSeconds() - before.cpuSeconds()) / dt);
            }
        });
        return out;
    }

    /**
     * CPU milliseconds per change of each process sampled at both ticks, and of the machine, above its idle cost:
     * (CPU time between the ticks - idle CPU per second x their distance) / changes. A process restarted in between
     * (its CPU time went back) is left out.
     */
    static Map<String, Double> cpuPerChange(Sampler.Tick start, Sampler.Tick end, long changes, Map<String, Double> idle) {
        Map<String, Double> out = new TreeMap<>();
        if (changes <= 0) {
            return out;
        }
        double dt = (end.millis() - start.millis()) / 1000.0;
        cpuRates(start, end).forEach((name, rate) -> out.put(name,
                Math.round(Math.max(0, (rate - idle.getOrDefault(name, 0.0)) * dt) * 1e6 / changes) / 1000.0));
        return out;
    }

    /** How busy the machine was between the first and the last tick, in % of all its cores; NaN without two samples. */
    static double machineBusyPct(List<Sampler.Tick> ticks, int cores) {
        if (ticks.size() < 2) {
            return Double.NaN;
        }
        Double rate = cpuRates(ticks.get(0), ticks.get(ticks.size() - 1)).get(Sampler.MACHINE);
        return rate == null ? Double.NaN : round(100 * rate / cores);
    }

    static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }
}
