package io.tributary.tools.e2e;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.tributary.stack.QuarkusAppProcess;
import io.tributary.tools.demo.Metrics;

/**
 * Counters of services that get killed: scrapes each service's /q/metrics every second and adds up what every
 * life of the process counted (a counter that went down means a new life). What a life counted after its last
 * scrape is not seen, so the totals are a lower bound.
 */
final class MetricTotals {

    private final List<QuarkusAppProcess> apps;
    private final Map<String, Double> finishedLives = new ConcurrentHashMap<>();
    private final Map<String, Double> currentLife = new ConcurrentHashMap<>();
    private volatile Thread thread;

    MetricTotals(QuarkusAppProcess... apps) {
        this.apps = List.of(apps);
    }

    void start() {
        thread = Thread.ofVirtual().name("metric-totals").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                scrapeOnce();
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void stop() throws InterruptedException {
        thread.interrupt();
        thread.join();
        scrapeOnce();
    }

    private void scrapeOnce() {
        for (QuarkusAppProcess app : apps) {
            Map<String, Double> now = Metrics.scrape(app.url());
            now.forEach((metric, value) -> {
                String key = app.name() + "/" + metric;
                Double last = currentLife.put(key, value);
                if (last != null && value < last) {
                    finishedLives.merge(key, last, Double::sum);
                }
            });
        }
    }

    /** The sum over every life of the service. */
    double total(String app, String metric) {
        String key = app + "/" + metric;
        return finishedLives.getOrDefault(key, 0.0) + currentLife.getOrDefault(key, 0.0);
    }
}
