package io.tributary.tools.workload;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * {@code ./pipeline load [--rate N] [--duration 60s] [--changes N] [--tx-size N] [--seed N] [--jdbc-url URL]}:
 * the workload generator on its own, against the local stack's PostgreSQL unless told otherwise.
 */
public final class WorkloadMain {

    private WorkloadMain() {
    }

    public static void main(String[] args) throws Exception {
        String jdbcUrl = "jdbc:postgresql://127.0.0.1:" + io.tributary.stack.LocalStack.Ports.fromEnvironment().postgres()
                + "/" + io.tributary.stack.LocalStack.DATABASE;
        String user = "postgres";
        double rate = 200;
        Duration duration = Duration.ofSeconds(30);
        long changes = 0;
        int txSize = 1;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--rate" -> rate = Double.parseDouble(require(args[i], value));
                case "--duration" -> duration = parseDuration(require(args[i], value));
                case "--changes" -> changes = Long.parseLong(require(args[i], value));
                case "--tx-size" -> txSize = Integer.parseInt(require(args[i], value));
                case "--seed" -> seed = Long.parseLong(require(args[i], value));
                case "--jdbc-url" -> jdbcUrl = require(args[i], value);
                case "--user" -> user = require(args[i], value);
                default -> {
                    System.err.println("unknown option " + args[i]
                            + "; usage: load [--rate N/s, 0 = max] [--duration 30s|5m] [--changes N] [--tx-size N] [--seed N] [--jdbc-url URL] [--user U]");
                    System.exit(2);
                }
            }
            i++;
        }
        if (changes > 0 && !contains(args, "--duration")) {
            duration = Duration.ZERO;
        }
        var settings = new WorkloadGenerator.Settings(rate, duration, changes, txSize, seed, WorkloadGenerator.Settings.DEFAULT_MIX);
        Properties props = new Properties();
        props.setProperty("user", user);
        String password = System.getenv("TRIBUTARY_PG_PASSWORD");
        if (password != null) {
            props.setProperty("password", password);
        }
        System.out.printf("workload: %s at %s changes/s for %s%s%n", jdbcUrl, rate == 0 ? "max" : rate,
                duration.isZero() ? "as long as needed" : duration.toSeconds() + " s", changes > 0 ? ", at most " + changes + " changes" : "");
        try (Connection connection = DriverManager.getConnection(jdbcUrl, props)) {
            var result = new WorkloadGenerator(connection, settings).run(p -> System.out.println(describe(p)));
            System.out.println("done: " + describe(result));
        }
    }

    public static String describe(WorkloadGenerator.Progress p) {
        return String.format("%5.1f s  %,d changes  %,.0f/s  [%s]", p.elapsed().toMillis() / 1000.0, p.changes(), p.ratePerSecond(),
                p.byKind().entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey().name().toLowerCase() + " " + e.getValue()).collect(Collectors.joining(", ")));
    }

    public static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.replaceAll("[smh]$", ""));
        return switch (t.charAt(t.length() - 1)) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private static String require(String option, String value) {
        if (value == null) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return value;
    }

    private static boolean contains(String[] args, String option) {
        for (String a : args) {
            if (a.equals(option)) {
                return true;
            }
        }
        return false;
    }
}
