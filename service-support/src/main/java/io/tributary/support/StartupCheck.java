package io.tributary.support;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.jboss.logging.Logger;

/**
 * Waits for one start-up request to a dependency: a refusal (as {@code refusal} explains it) fails start-up; a
 * dependency that does not answer, or fails otherwise, only gets a warning, since the service retries it anyway.
 */
final class StartupCheck {

    private static final Logger LOG = Logger.getLogger(StartupCheck.class);

    private StartupCheck() {
    }

    /**
     * @param what the dependency as the messages name it, e.g. {@code Kafka at host:9093}
     * @throws IllegalStateException with the explained refusal
     */
    static void await(String what, CompletionStage<?> request, Function<Throwable, Optional<String>> refusal, Duration timeout) {
        try {
            request.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            refusal.apply(e).ifPresent(message -> {
                throw new IllegalStateException(message, e.getCause());
            });
            LOG.warnf("%s did not answer the start-up check (%s); starting anyway, the client retries", what,
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        } catch (TimeoutException e) {
            LOG.warnf("%s did not answer within %d s at start-up; starting anyway, the client retries", what, timeout.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
