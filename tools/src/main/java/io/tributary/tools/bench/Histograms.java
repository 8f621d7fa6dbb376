package io.tributary.tools.bench;

import java.util.Map;
import java.util.TreeMap;

/** Quantiles of cumulative Prometheus buckets, the way {@code histogram_quantile} computes them. */
final class Histograms {

    private Histograms() {
    }

    /**
     * end - start, bucket by bucket (buckets missing at the start count 0), each scrape first made
     * {@link #monotone}.
     */
    static TreeMap<Double, Double> delta(TreeMap<Double, Double> start, TreeMap<Double, Double> end) {
        TreeMap<Double, Double> d = new TreeMap<>();
        if (end == null) {
            return d;
        }
        TreeMap<Double, Double> from = start == null ? new TreeMap<>() : monotone(start);
        for (Map.Entry<Double, Double> e : monotone(end).entrySet()) {
            d.put(e.getKey(), Math.max(0, e.getValue() - from.getOrDefault(e.getKey(), 0.0)));
        }
        return d;
    }

    /**
     * A scrape's cumulative buckets with each count raised to the largest count below it. Micrometer reads a
     * timer's count (the +Inf bucket) before its buckets, so changes observed in between are in the finite
     * buckets and not yet in +Inf: a scrape under load can have +Inf below the largest finite bucket. A window
     * starting at such a scrape would otherwise count those changes as over the largest bound (an hour), and a
     * one-second window at 5k changes/s needs only 50 of them to put its p99 there.
     */
    static TreeMap<Double, Double> monotone(TreeMap<Double, Double> cumulative) {
        TreeMap<Double, Double> m = new TreeMap<>();
        double max = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            max = Math.max(max, e.getValue());
            m.put(e.getKey(), max);
        }
        return m;
    }

    /** Observations in cumulative buckets (the +Inf bucket, else the largest). */
    static double count(TreeMap<Double, Double> cumulative) {
        return cumulative == null || cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
    }

    /**
     * The q-quantile (0..1) of cumulative buckets: find the bucket holding rank q*count and interpolate linearly
     * between its lower and upper bound; NaN without observations. Like Prometheus, a rank in the +Inf bucket
     * returns the largest finite bound, and the first bucket's lower bound is 0.
     */
    static double quantile(double q, TreeMap<Double, Double> cumulative) {
        double total = count(cumulative);
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            double bound = e.getKey();
            double cum = e.getValue();
            if (cum >= rank && cum > lowerCount) {
                if (Double.isInfinite(bound)) {
                    return lowerBound;
                }
                return lowerBound + (bound - lowerBound) * (rank - lowerCount) / (cum - lowerCount);
            }
            if (!Double.isInfinite(bound)) {
                lowerBound = bound;
            }
            lowerCount = cum;
        }
        return lowerBound;
    }
}
