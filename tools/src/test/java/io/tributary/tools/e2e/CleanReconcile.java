package io.tributary.tools.e2e;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.tributary.tools.reconcile.ReconcileMain;

/** Waits until the demo's views reconcile clean against PostgreSQL, as the end-to-end tests end. */
final class CleanReconcile {

    private CleanReconcile() {
    }

    /**
     * @param logs where the services' logs are, for the failure message
     * @return the clean report
     * @throws AssertionError with the last report when it is not clean within the timeout
     */
    static String await(ReconcileMain.Endpoints endpoints, Duration timeout, Path logs) {
        AtomicReference<String> text = new AtomicReference<>("");
        try {
            Awaitility.await("clean reconcile").atMost(timeout).pollInterval(Duration.ofSeconds(5)).until(() -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                boolean clean = ReconcileMain.run(endpoints, ReconcileMain.DEMO, new PrintStream(out, true, StandardCharsets.UTF_8));
                text.set(out.toString(StandardCharsets.UTF_8));
                return clean;
            });
            return text.get();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("reconcile not clean after " + timeout.toSeconds() + " s:\n" + text.get()
                    + "\nservice logs under " + logs, e);
        }
    }
}
