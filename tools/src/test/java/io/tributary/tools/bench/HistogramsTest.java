package io.tributary.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.tributary.tools.demo.Metrics;

class HistogramsTest {

    private static TreeMap<Double, Double> buckets(double... boundCount) {
        TreeMap<Double, Double> m = new TreeMap<>();
        for (int i = 0; i < boundCount.length; i += 2) {
            m.put(boundCount[i], boundCount[i + 1]);
        }
        return m;
    }

    @Test
    void quantileInterpolatesInsideTheBucketLikeHistogramQuantile() {
        // 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.2], 10 in (0.2, 1]
        TreeMap<Double, Double> b = buckets(0.1, 50, 0.2, 90, 1.0, 100, Double.POSITIVE_INFINITY, 100);
        assertThat(Histograms.quantile(0.5, b)).isCloseTo(0.1, within(1e-9));
        assertThat(Histograms.quantile(0.7, b)).isCloseTo(0.15, within(1e-9));
        assertThat(Histograms.quantile(0.95, b)).isCloseTo(0.6, within(1e-9));
        assertThat(Histograms.quantile(0.25, b)).isCloseTo(0.05, within(1e-9));
    }

    @Test
    void rankInTheInfBucketReturnsTheLargestFiniteBound() {
        TreeMap<Double, Double> b = buckets(0.1, 1, 1.0, 2, Double.POSITIVE_INFINITY, 10);
        assertThat(Histograms.quantile(0.99, b)).isEqualTo(1.0);
    }

    @Test
    void deltaSubtractsTheStartAndEmptyIsNaN() {
        TreeMap<Double, Double> start = buckets(0.1, 10, 1.0, 20, Double.POSITIVE_INFINITY, 20);
        TreeMap<Double, Double> end = buckets(0.1, 10, 1.0, 30, Double.POSITIVE_INFINITY, 30);
        TreeMap<Double, Double> d = Histograms.delta(start, end);
        assertThat(Histograms.count(d)).isEqualTo(10);
        assertThat(Histograms.quantile(0.5, d)).isCloseTo(0.55, within(1e-9));
        assertThat(Histograms.quantile(0.5, Histograms.delta(start, start))).isNaN();
    }

    @Test
    void aScrapeWhoseCountLagsItsBucketsDoesNotPutChangesPastTheLargestBound() {
        // the window's first scrape read the count (+Inf) 60 changes before its buckets; its last one read both at once
        TreeMap<Double, Double> start = buckets(0.05, 900, 3600.0, 1000, Double.POSITIVE_INFINITY, 940);
        TreeMap<Double, Double> end = buckets(0.05, 5900, 3600.0, 6000, Double.POSITIVE_INFINITY, 6000);
        TreeMap<Double, Double> d = Histograms.delta(start, end);
        assertThat(Histograms.count(d)).isEqualTo(5000);
        assertThat(Histograms.quantile(0.99, d)).isLessThan(0.05);
    }

    @Test
    void parsesLabelledSamplesAndSumsBucketsPerStage() {
        String text = """
                # TYPE tributary_pipeline_lag_seconds histogram
                tributary_pipeline_lag_seconds_bucket{stage="redis",table="public.orders",le="0.1"} 3.0
                tributary_pipeline_lag_seconds_bucket{stage="redis",table="public.customers",le="0.1"} 2.0
                tributary_pipeline_lag_seconds_bucket{stage="redis",table="public.orders",le="+Inf"} 4.0
                tributary_pipeline_lag_seconds_bucket{stage="lake",table="public.orders",le="+Inf"} 1.0
                tributary_sink_redis_writes_total{view="a"} 5.0
                tributary_sink_redis_writes_total{view="b"} 7.0
                """;
        List<Metrics.Sample> samples = Metrics.parse(text);
        assertThat(Metrics.sum(samples, "tributary_sink_redis_writes_total")).isEqualTo(12.0);
        Map<String, TreeMap<Double, Double>> b = Metrics.buckets(samples, "tributary_pipeline_lag_seconds", "stage");
        assertThat(b.get("redis").get(0.1)).isEqualTo(5.0);
        assertThat(b.get("redis").get(Double.POSITIVE_INFINITY)).isEqualTo(4.0);
        assertThat(b.get("lake")).hasSize(1);
    }

    @Test
    void readsCpuTicksFromAStatLineWhoseCommandHasSpaces() {
        String stat = "1234 (java thing) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 100 1000 200";
        assertThat(ProcStats.cpuSeconds(stat)).isEqualTo(3.0);
    }

    @Test
    void ratesAndBusyRateFromTicks() {
        List<Sampler.Tick> ticks = List.of(
                new Sampler.Tick(0, Map.of("lake", 0.0), Map.of(), Map.of()),
                new Sampler.Tick(1000, Map.of("lake", 0.0), Map.of(), Map.of()),
                new Sampler.Tick(2000, Map.of("lake", 100.0), Map.of(), Map.of()),
                new Sampler.Tick(3000, Map.of("lake", 100.0), Map.of(), Map.of()),
                new Sampler.Tick(4000, Map.of("lake", 300.0), Map.of(), Map.of()));
        assertThat(Stats.rates(ticks, "lake")).containsExactly(0.0, 100.0, 0.0, 200.0);
        assertThat(Stats.busyRate(ticks, "lake")).isEqualTo(100.0);
    }
}
