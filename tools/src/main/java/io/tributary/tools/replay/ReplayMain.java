package io.tributary.tools.replay;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.tributary.stack.LocalStack;
import io.tributary.stack.QuarkusAppProcess;
import io.tributary.stack.StackLayout;
import io.tributary.tools.demo.DemoMain;
import io.tributary.tools.reconcile.ReconcileMain;
import io.tributary.tools.workload.WorkloadMain;

/**
 * {@code ./pipeline replay [--table T]... --from-beginning | --from-offset N | --from-time ISO | --from-ago 10m}:
 * re-drives a range of the local pipeline's changes through the processor and the sink. Stops the running
 * processor-service and sink-service, moves their consumer groups back ({@link Replay}), and starts them again.
 */
public final class ReplayMain {

    /** The processor's and the sink's consumer groups (their application.properties). */
    public static final String PROCESSOR_GROUP = "tributary-processor";
    public static final String SINK_GROUP = "sink-service";
    static final String USAGE = "usage: replay [--table TABLE]... (--from-beginning | --from-offset N | --from-time 2026-11-23T10:00:00Z | --from-ago 10m)";

    private ReplayMain() {
    }

    public static void main(String[] args) throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        List<String> tables = new ArrayList<>();
        Replay.From from = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                switch (option) {
                    case "--table" -> tables.add(value(args, ++i, option));
                    case "--from-beginning" -> from = new Replay.Beginning();
                    case "--from-offset" -> from = new Replay.Offset(Long.parseLong(value(args, ++i, option)));
                    case "--from-time" -> from = new Replay.Time(Instant.parse(value(args, ++i, option)));
                    case "--from-ago" -> from = new Replay.Time(Instant.now().minus(WorkloadMain.parseDuration(value(args, ++i, option))));
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (from == null) {
                throw new IllegalArgumentException("say where the replay starts");
            }
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            System.err.println(e.getMessage() + "; " + USAGE);
            System.exit(2);
            return;
        }
        StackLayout layout = StackLayout.discover();
        LocalStack stack = new LocalStack(layout.defaultStateDir(), LocalStack.Ports.fromEnvironment(), layout);
        run(stack, targets(tables), from, System.out);
    }

    /** The demo's tables (or the named ones) with the view topics the processor's default configuration derives from them. */
    public static List<Replay.Target> targets(List<String> tables) {
        List<Replay.Target> targets = new ArrayList<>();
        for (ReconcileMain.Pair pair : ReconcileMain.DEMO) {
            if (tables.isEmpty() || tables.contains(pair.table())) {
                targets.add(new Replay.Target(pair.table(), "tributary.public." + pair.table(), List.of("tributary.view." + pair.view())));
            }
        }
        List<String> unknown = new ArrayList<>(tables);
        unknown.removeAll(targets.stream().map(Replay.Target::table).toList());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no view follows table " + String.join(", ", unknown) + "; replayable: "
                    + ReconcileMain.DEMO.stream().map(ReconcileMain.Pair::table).toList());
        }
        return targets;
    }

    /** Stops the stack's processor and sink, rewinds their groups, restarts them; returns what moved. */
    public static List<Replay.Move> run(LocalStack stack, List<Replay.Target> targets, Replay.From from, PrintStream out) throws Exception {
        Replay replay = new Replay(stack.kafka().bootstrapServers(),
                stack.security().map(s -> s.kafkaClientProperties("tools")).orElse(Map.of()), PROCESSOR_GROUP, SINK_GROUP);
        List<QuarkusAppProcess> stopped = new ArrayList<>();
        for (QuarkusAppProcess app : stack.runningApps()) {
            if (!app.name().equals("capture-service")) {
                out.printf("stopping %s for the replay%n", app.name());
                app.stop();
                stopped.add(app);
            }
        }
        List<Replay.Move> moves;
        try {
            // a graceful stop leaves the group at once; a member that crashed stays until its session times out
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!replay.activeGroups().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(1000);
            }
            moves = replay.rewind(targets, from, out);
        } finally {
            // whether or not the rewind worked, what was stopped runs again
            if (!stopped.isEmpty()) {
                List<String> names = stopped.stream().map(QuarkusAppProcess::name).toList();
                for (QuarkusAppProcess app : DemoMain.apps(stack)) {
                    if (names.contains(app.name())) {
                        out.printf("starting %s%n", app.name());
                        app.start();
                    }
                }
            }
        }
        out.printf("%-20s %-40s %12s %12s %12s%n", "group", "partition", "committed", "replay from", "records");
        for (Replay.Move move : moves) {
            out.printf("%-20s %-40s %12s %12d %12d%n", move.group(), move.partition(), move.before() == null ? "-" : move.before(),
                    move.after(), move.toReplay());
        }
        out.println("""
                replay started. The processor drops replayed changes it published within its dedupe window
                (processor.dedupe.ttl) and publishes older ones again; the sink writes no row the lake already holds
                (same offsets, or same event id within sink.lake.dedupe-ttl) and never lets an older row replace a
                newer one in Redis. Only what the topics still hold (retention) can be replayed.""");
        return moves;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
