package io.tributary.tools.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObservabilityFilesTest {

    @Test
    void theDashboardAndTheAlertRulesAreWellFormed() {
        ObservabilityFiles files = ObservabilityFiles.load();

        assertThat(files.expressions()).hasSizeGreaterThan(20);
        assertThat(files.metricNames())
                .contains("tributary_pipeline_lag_seconds_bucket", "tributary_capture_slot_lag_bytes",
                        "tributary_processor_dead_lettered_total", "tributary_reconcile_persistent_drift_keys",
                        "kafka_consumer_fetch_manager_records_lag_max", "jvm_memory_used_bytes")
                .allSatisfy(name -> assertThat(name)
                        .as("a metric name, not a function, keyword or label leaking through")
                        .matches("(tributary_|kafka_consumer_|jvm_)[a-z0-9_]+"));
    }

    @Test
    void extractsTheSeriesNamesOfTrickyExpressions() {
        assertThat(ObservabilityFiles.metricNames("""
                histogram_quantile(0.99, sum by (le, stage) (rate(tributary_pipeline_lag_seconds_bucket{stage!="lake",
                  table=~"cust.*"}[$__rate_interval])))"""))
                .containsExactly("tributary_pipeline_lag_seconds_bucket");
        assertThat(ObservabilityFiles.metricNames(
                "sum(rate(a_total[5m:1m])) by (job) / ignoring(le) group_left sum without (x) (b_count offset -1h30m)"))
                .containsExactly("a_total", "b_count");
        assertThat(ObservabilityFiles.metricNames("x > bool 5 AND ON(instance) y unless z @ 1609746000 or Inf + NaN * 1e3 - 0x1F"))
                .containsExactly("x", "y", "z");
        assertThat(ObservabilityFiles.metricNames(
                "label_replace(up{job=\"a\\\"b\"}, \"dst\", \"$1 by (x) rate(\", 'src', `(.*) not_a_metric`)"))
                .containsExactly("up");
        assertThat(ObservabilityFiles.metricNames("{__name__=\"tributary_sink_degraded\", instance=\"a\"} == 1 or vector(0)"))
                .containsExactly("tributary_sink_degraded");
        assertThat(ObservabilityFiles.metricNames("""
                time() - tributary_reconcile_last_run_timestamp_seconds > 900 # but not_in_a_comment
                  and on() rate(job:requests:rate5m[5m]) > 256 * 1024 ^ 2"""))
                .containsExactly("job:requests:rate5m", "tributary_reconcile_last_run_timestamp_seconds");
        assertThat(ObservabilityFiles.metricNames("sum(rate(x[$__rate_interval])) / $__interval_ms")).containsExactly("x");
    }

    @Test
    void missingNamesTheQueriedSeriesAScrapeLacks() {
        ObservabilityFiles files = ObservabilityFiles.load();
        Set<String> exported = new HashSet<>(files.metricNames());
        assertThat(files.missing(exported)).isEmpty();

        exported.remove("tributary_pipeline_lag_seconds_bucket");
        exported.add("tributary_pipeline_lag_seconds_count");
        assertThat(files.missing(exported)).containsExactly("tributary_pipeline_lag_seconds_bucket");
    }

    @Test
    void readsTheSeriesNamesOfAScrape() {
        assertThat(ObservabilityFiles.seriesNames("""
                # HELP tributary_sink_degraded 1 while S3 or Redis is failing
                # TYPE tributary_sink_degraded gauge
                tributary_sink_degraded 0.0
                tributary_pipeline_lag_seconds_bucket{stage="lake",table="customer_view",le="+Inf",} 1.0
                tributary_reconcile_runs_total 3
                """)).containsExactlyInAnyOrder("tributary_sink_degraded", "tributary_pipeline_lag_seconds_bucket",
                "tributary_reconcile_runs_total");
    }

    @Test
    void reportsEveryProblemOfMalformedFiles(@TempDir Path repo) throws IOException {
        Files.createDirectories(repo.resolve("deploy/grafana"));
        Files.createDirectories(repo.resolve("deploy/prometheus"));
        Files.writeString(repo.resolve(ObservabilityFiles.DASHBOARD), """
                {"title": "t", "schemaVersion": 39,
                 "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
                 "panels": [{"id": 1, "type": "timeseries", "title": "no targets", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}}]}
                """);
        Files.writeString(repo.resolve(ObservabilityFiles.ALERTS), """
                groups:
                  - name: g
                    rules:
                      - alert: NoForNoSeverity
                        expr: up == 0
                        annotations:
                          summary: down
                """);

        assertThatThrownBy(() -> ObservabilityFiles.load(repo))
                .hasMessageContaining("'no targets': no targets")
                .hasMessageContaining("rule NoForNoSeverity: 'for' is not a duration")
                .hasMessageContaining("rule NoForNoSeverity: labels.severity");

        Files.writeString(repo.resolve(ObservabilityFiles.DASHBOARD), "{\"title\": \"t\", \"panels\": [");
        assertThatThrownBy(() -> ObservabilityFiles.load(repo)).hasMessageContaining("tributary-dashboard.json");
    }

    @Test
    void findsTheRepositoryRootAboveTheWorkingDirectory() {
        Path root = ObservabilityFiles.repoRoot(Path.of("").toAbsolutePath());
        assertThat(root.resolve("pipeline")).isRegularFile();
        assertThat(root.resolve(ObservabilityFiles.ALERTS)).isRegularFile();
    }
}
