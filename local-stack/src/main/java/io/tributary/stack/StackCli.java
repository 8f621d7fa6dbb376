package io.tributary.stack;

import java.util.List;

/**
 * {@code ./pipeline up [--secure] | down | status | logs [service] [lines]}: the local stack's command line.
 * Exit code 0 when the command did what it says, 1 otherwise (status: when a service is not healthy).
 * <p>
 * {@code up --secure} (or {@code TRIBUTARY_SECURE=true}) starts the stack in secure mode (see
 * {@link StackSecurity}); the state folder remembers it, so later commands need no flag, and a folder of one
 * mode is never started in the other.
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
            boolean secureRequested = "up".equals(command) && (List.of(args).contains("--secure") || secureFromEnvironment());
            if ("up".equals(command)) {
                for (int i = 1; i < args.length; i++) {
                    if (!args[i].equals("--secure")) {
                        say("unknown option '" + args[i] + "' for up: the only one is --secure");
                        return 2;
                    }
                }
            }
            LocalStack stack = secureRequested
                    ? new LocalStack(layout.defaultStateDir(), LocalStack.Ports.fromEnvironment(), layout, true)
                    : new LocalStack(layout.defaultStateDir(), LocalStack.Ports.fromEnvironment(), layout);
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

    private static boolean secureFromEnvironment() {
        String value = System.getenv("TRIBUTARY_SECURE");
        return value != null && (value.equalsIgnoreCase("true") || value.equals("1") || value.equalsIgnoreCase("yes"));
    }

    private static int up(LocalStack stack) {
        say("starting the local stack under " + stack.stateDir() + (stack.secure() ? " (secure mode)" : ""));
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
        stack.security().ifPresent(security -> say(String.format("%-17s %s; CA %s; passwords in %s (registry: plain HTTP)",
                "secure mode", "TLS and credentials on postgres, redis, kafka, s3", security.caCert(), security.secretsDir())));
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
