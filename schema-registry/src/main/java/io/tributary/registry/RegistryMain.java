package io.tributary.registry;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs the Apicurio Registry stand-in as its own process:
 * {@code RegistryMain [--host 127.0.0.1] [--port 8085] [--data-dir DIR] [--compatibility BACKWARD]}.
 * Without {@code --data-dir} the registry lives in memory only. Stops on SIGTERM/SIGINT.
 */
public final class RegistryMain {

    private static final System.Logger LOG = System.getLogger(RegistryMain.class.getName());
    private static final Set<String> OPTIONS = Set.of("--host", "--port", "--data-dir", "--compatibility");
    private static final String USAGE = "usage: RegistryMain [--host 127.0.0.1] [--port 8085] [--data-dir DIR]"
            + " [--compatibility NONE|BACKWARD|BACKWARD_TRANSITIVE|FORWARD|FORWARD_TRANSITIVE|FULL|FULL_TRANSITIVE]";

    private RegistryMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                System.err.println(USAGE);
                return;
            }
            if (!OPTIONS.contains(args[i]) || i + 1 >= args.length) {
                System.err.println("Unknown or incomplete option '" + args[i] + "'\n" + USAGE);
                System.exit(2);
            }
            options.put(args[i], args[++i]);
        }
        String dataDir = options.get("--data-dir");
        SchemaRegistryServer server = new SchemaRegistryServer(
                options.getOrDefault("--host", "127.0.0.1"),
                Integer.parseInt(options.getOrDefault("--port", "8085")),
                dataDir == null ? null : Path.of(dataDir),
                options.getOrDefault("--compatibility", "BACKWARD"));
        try {
            server.start();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "Could not start the registry stand-in", e);
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "registry-shutdown"));
        // the HTTP server's dispatcher thread keeps the process alive
    }
}
