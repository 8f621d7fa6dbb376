package io.tributary.stack;

import java.util.logging.Level;
import java.util.logging.Logger;

/** For command-line tools: java.util.logging (Kafka's admin client, parquet) prints warnings and errors only. */
public final class CliLogging {

    private CliLogging() {
    }

    public static void warningsOnly() {
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (var handler : root.getHandlers()) {
            handler.setLevel(Level.WARNING);
        }
    }
}
