package io.tributary.tools.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a service's Prometheus text exposition (/q/metrics): its samples with their labels, sums over labels,
 * a histogram's cumulative buckets. Used by the demo's progress, the benchmark and the end-to-end test.
 */
public final class Metrics {

    /**
     * HTTP/1.1, as Prometheus scrapes: the JDK client's default, HTTP/2, first asks a plain-HTTP service to upgrade
     * (h2c), and once in the end-to-end test it read a Quarkus service's metrics as HTTP/2 frames and failed ("Frame
     * type(101) length(6643570) exceeds MAX_FRAME_SIZE").
     */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private Metrics() {
    }

    /** Metric name -> sum over every label set; empty when the service does not answer. */
    public static Map<String, Double> scrape(String baseUrl) {
        Map<String, Double> sums = new HashMap<>();
        for (Sample sample : samples(baseUrl)) {
            sums.merge(sample.name(), sample.value(), Double::sum);
        }
        return sums;
    }

    /** The samples of {@code baseUrl/q/metrics}; empty when the service does not answer. */
    public static List<Sample> samples(String baseUrl) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? parse(response.body()) : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** The body of {@code url} (a text exposition, say); throws unless it answers 200 within {@code timeout}. */
    public static String text(String url, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode());
        }
        return response.body();
    }

    public static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int close = line.lastIndexOf('}');
            String name;
            Map<String, String> labels = new HashMap<>();
            String rest;
            if (brace >= 0 && close > brace) {
                name = line.substring(0, brace);
                labels = labels(line.substring(brace + 1, close));
                rest = line.substring(close + 1).strip();
            } else {
                int sp = line.indexOf(' ');
                if (sp < 0) {
                    continue;
                }
                name = line.substring(0, sp);
                rest = line.substring(sp + 1).strip();
            }
            int sp = rest.indexOf(' ');
            String value = sp < 0 ? rest : rest.substring(0, sp); // a timestamp may follow
            try {
                samples.add(new Sample(name, labels, Double.parseDouble(value)));
            } catch (NumberFormatException e) {
                // NaN and friends are parsed by Double; anything else is skipped
            }
        }
        return samples;
    }

    private static Map<String, String> labels(String body) {
        Map<String, String> labels = new HashMap<>();
        int i = 0;
        while (i < body.length()) {
            int eq = body.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = body.substring(i, eq).strip();
            if (key.startsWith(",")) {
                key = key.substring(1).strip();
            }
            int q = body.indexOf('"', eq);
            StringBuilder v = new StringBuilder();
            int j = q + 1;
            while (j < body.length() && body.charAt(j) != '"') {
                if (body.charAt(j) == '\\' && j + 1 < body.length()) {
                    j++;
                }
                v.append(body.charAt(j));
                j++;
            }
            labels.put(key, v.toString());
            i = j + 1;
        }
        return labels;
    }

    /** Sum of a metric's samples over every label set. */
    public static double sum(List<Sample> samples, String name) {
        double s = 0;
        for (Sample sample : samples) {
            if (sample.name().equals(name)) {
                s += sample.value();
            }
        }
        return s;
    }

    /** Cumulative buckets (le -> count) of {@code <name>_bucket} per value of {@code byLabel}, summed over the other labels. */
    public static Map<String, TreeMap<Double, Double>> buckets(List<Sample> samples, String name, String byLabel) {
        Map<String, TreeMap<Double, Double>> out = new TreeMap<>();
        String bucket = name + "_bucket";
        for (Sample sample : samples) {
            if (!sample.name().equals(bucket)) {
                continue;
            }
            String le = sample.labels().get("le");
            String key = sample.labels().getOrDefault(byLabel, "");
            if (le == null) {
                continue;
            }
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            out.computeIfAbsent(key, k -> new TreeMap<>()).merge(bound, sample.value(), Double::sum);
        }
        return out;
    }
}
