package io.tributary.logging;

import java.util.logging.Handler;
import java.util.logging.Logger;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.handlers.ConsoleHandler;

import io.quarkus.runtime.StartupEvent;

/**
 * Structured logs: with {@code tributary.log.json=true} (env {@code TRIBUTARY_LOG_JSON=true}) the console
 * writes one JSON object per line: timestamp (UTC), level, logger, message, thread, exception, and the MDC,
 * which carries {@code eventId}, {@code traceId} and {@code spanId} on lines about a change ({@link ChangeLog}).
 * <p>
 * Quarkus's own JSON logging extension cannot be used here (its deployment artifact is not in the Maven
 * repository these machines reach), and JBoss LogManager's JsonFormatter needs jakarta.json on the boot class
 * path, so this puts {@link JsonLineFormatter} on the console handlers before any other start-up observer
 * runs; the few lines Quarkus writes while booting stay plain text.
 */
@ApplicationScoped
public class JsonLogs {

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event,
            @ConfigProperty(name = "tributary.log.json", defaultValue = "false") boolean json) {
        if (json) {
            useJson(Logger.getLogger(""));
        }
    }

    /** Puts the JSON formatter on every console handler of the logger, also those nested in delegating handlers; returns how many. */
    public static int useJson(Logger logger) {
        int replaced = 0;
        for (Handler handler : logger.getHandlers()) {
            replaced += useJson(handler);
        }
        return replaced;
    }

    private static int useJson(Handler handler) {
        int replaced = 0;
        if (handler instanceof ConsoleHandler console) {
            console.setFormatter(formatter());
            replaced++;
        }
        if (handler instanceof ExtHandler ext) {
            for (Handler child : ext.getHandlers()) {
                replaced += useJson(child);
            }
        }
        return replaced;
    }

    /** One JSON object per line. */
    public static JsonLineFormatter formatter() {
        return new JsonLineFormatter();
    }
}
