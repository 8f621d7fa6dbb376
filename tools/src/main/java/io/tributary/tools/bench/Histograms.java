package io.tributary.tools.bench;

import java.util.Map;
import java.util.TreeMap;

/** Quantiles of cumulative Prometheus buckets, the way {@code histogram_quantile} computes them. */
final class Histograms {

    private Histograms() {
    }

    /** end - start, bucket by bucket (buckets missing at the start count 0). */
    static TreeMap<Double, Double> delta(TreeMap<Double, Double> start, TreeMap<Double, Double> end) {
        TreeMap<Double, Double> d = new TreeMap<>();
        if (end == null) {
            return d;
        }
        for (Map.Entry<Double, Double> e : end.entrySet()) {
            double before = start == null ? 0 : start.getOrDefault(e.getKey(), 0.0);
            d.put(e.getKey(), Math.max(0, e.getValue() - before));
        }
        return d;
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
