package io.tributary.stack;

import java.util.List;

/**
 * {@code ./pipeline up | down | status | logs [service] [lines]}: the local stack's command line.
 * Exit code 0 when the command did what it says, 1 otherwise (status: when a service is not healthy).
 */
public final class StackCli {

    private StackCli() {
    }

    public static void main(String[] args) {
        // the Kafka admin client used for health checks logs its whole configuration at INFO
        CliLogging.warningsOnly();
        System.exit(run(args));
    }

    static int run(String[] args) {
        String command = args.length == 0 ? "status" : args[0];
        try {
            StackLayout layout = StackLayout.discover();
            LocalStack stack = new LocalStack(layout.defaultStateDir(), LocalStack.Ports.fromEnvironment(), layout);
            return switch (command) {
                case "up" -> up(stack);
                case "down" -> {
                    stack.down(StackCli::say);
                    yield 0;
                }
                case "status" -> status(stack);
                case "logs" -> logs(stack, args);
                default -> {
                    say("unknown command '" + command + "': use up, down, status or logs");
                    yield 2;
                }
            };
        } catch (StackException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static int up(LocalStack stack) {
        say("starting the local stack under " + stack.stateDir());
        long started = System.nanoTime();
        try {
            stack.up(StackCli::say);
        } catch (StackException e) {
            System.err.println("error: the stack did not come up completely:\n" + e.getMessage());
            System.err.println("(services that did start keep running; `./pipeline down` stops them)");
            return 1;
        }
        say(String.format("stack up in %.1f s", (System.nanoTime() - started) / 1e9));
        return status(stack);
    }

    private static int status(LocalStack stack) {
        boolean allHealthy = true;
        List<ManagedService> services = new java.util.ArrayList<>(stack.services());
        services.addAll(stack.runningApps());
        for (ManagedService service : services) {
            String state;
            if (!service.isRunning()) {
                state = "DOWN";
                allHealthy = false;
            } else if (service.isHealthy()) {
                state = "UP";
            } else {
                state = "UNHEALTHY";
                allHealthy = false;
            }
            say(String.format("%-17s %-9s %s", service.name(), state, service.address()));
        }
        return allHealthy ? 0 : 1;
    }

    private static int logs(LocalStack stack, String[] args) {
        String only = args.length > 1 ? args[1] : null;
        int lines = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        boolean found = false;
        List<ManagedService> services = new java.util.ArrayList<>(stack.services());
        LocalStack.APPS.forEach(name -> services.add(stack.app(name, java.util.Map.of(), List.of())));
        for (ManagedService service : services) {
            if (only != null && !only.equals(service.name())) {
                continue;
            }
            found = true;
            say("==> " + service.logFile() + " <==");
            List<String> tail = Processes.tail(service.logFile(), lines);
            tail.forEach(StackCli::say);
        }
        if (!found) {
            say("no service named '" + only + "': postgres, redis, kafka, s3, registry, " + String.join(", ", LocalStack.APPS));
            return 2;
        }
        return 0;
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
