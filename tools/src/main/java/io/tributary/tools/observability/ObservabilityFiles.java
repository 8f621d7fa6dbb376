package io.tributary.tools.observability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.tributary.tools.demo.Metrics;

/**
 * The Grafana dashboard and the Prometheus alert rules under {@code deploy/}, checked. {@link #load()} reads both
 * and fails unless they are well-formed; {@link #metricNames()} are the series names their PromQL expressions
 * query, exactly as written ({@code tributary_pipeline_lag_seconds_bucket}, not the histogram's base name);
 * {@link #missing} are those a set of scraped series names lacks.
 *
 * <p>As a program, {@code ObservabilityFiles URL...} scrapes each metrics URL (the services' {@code /q/metrics}, the
 * reconcile watcher's {@code /metrics}) and exits 1 if the files query a name none of them exports.
 */
public final class ObservabilityFiles {

    /** The dashboard, relative to the repository root. */
    public static final String DASHBOARD = "deploy/grafana/tributary-dashboard.json";
    /** The alert rules (Prometheus rule file format), relative to the repository root. */
    public static final String ALERTS = "deploy/prometheus/tributary-alerts.yml";

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "atan2", "inf", "nan");
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    private static final Pattern DURATION = Pattern.compile("0|(\\d+(ms|s|m|h|d|w|y))+");
    private static final Pattern NAME_MATCHER = Pattern.compile("__name__\\s*=\\s*\"(\\d+)\"");
    private static final Pattern BRACES = Pattern.compile("\\{[^}]*}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$:])[a-zA-Z_:][\\w:]*+(\\s*\\()?");

    private final List<String> expressions;

    private ObservabilityFiles(List<String> expressions) {
        this.expressions = List.copyOf(expressions);
    }

    /** Both files of the repository holding the working directory (the first folder above it with {@code pipeline} and {@code deploy/}). */
    public static ObservabilityFiles load() {
        return load(repoRoot(Path.of("").toAbsolutePath()));
    }

    /**
     * Both files under {@code repoRoot}.
     *
     * @throws IllegalStateException listing every problem when a file cannot be read or is not well-formed
     */
    public static ObservabilityFiles load(Path repoRoot) {
        List<String> problems = new ArrayList<>();
        List<String> expressions = new ArrayList<>();
        JsonNode dashboard = read(new ObjectMapper(), repoRoot.resolve(DASHBOARD), problems);
        if (dashboard != null) {
            checkDashboard(dashboard, expressions, problems);
        }
        JsonNode rules = read(new YAMLMapper(), repoRoot.resolve(ALERTS), problems);
        if (rules != null) {
            checkRules(rules, expressions, problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("observability files not well-formed:\n  " + String.join("\n  ", problems));
        }
        return new ObservabilityFiles(expressions);
    }

    static Path repoRoot(Path from) {
        for (Path dir = from; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pipeline")) && Files.isDirectory(dir.resolve("deploy"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (a folder with pipeline and deploy/) at or above " + from);
    }

    /** Every PromQL expression: the dashboard's panel targets, then the alert rules. */
    public List<String> expressions() {
        return expressions;
    }

    /** Every series name the expressions query, as written. */
    public Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        expressions.forEach(e -> names.addAll(metricNames(e)));
        return names;
    }

    /** The names of {@link #metricNames()} not in {@code exportedSeriesNames} (names as a scrape shows them). */
    public Set<String> missing(Set<String> exportedSeriesNames) {
        Set<String> missing = new TreeSet<>(metricNames());
        missing.removeAll(exportedSeriesNames);
        return missing;
    }

    /**
     * The series names one PromQL expression selects: identifiers that are not functions, keywords, label names
     * (matchers, {@code by (...)} and the like), numbers or durations; plus {@code {__name__="x"}}. A name matched
     * by a regular expression ({@code __name__=~}) cannot be known and is not reported.
     */
    public static Set<String> metricNames(String promql) {
        List<String> strings = new ArrayList<>();
        String text = stripStringsAndComments(promql, strings);
        Set<String> names = new TreeSet<>();
        Matcher byName = NAME_MATCHER.matcher(text);
        while (byName.find()) {
            names.add(strings.get(Integer.parseInt(byName.group(1))));
        }
        text = BRACES.matcher(text).replaceAll(" ");
        text = BRACKETS.matcher(text).replaceAll(" ");
        text = GROUPING.matcher(text).replaceAll(" ");
        Matcher identifier = IDENTIFIER.matcher(text);
        while (identifier.find()) {
            String word = identifier.group().strip();
            if (identifier.group(1) == null && !KEYWORDS.contains(word.toLowerCase(Locale.ROOT))) {
                names.add(word);
            }
        }
        return names;
    }

    /** The series names of a Prometheus text exposition (a {@code /metrics} response). */
    public static Set<String> seriesNames(String exposition) {
        Set<String> names = new HashSet<>();
        for (String line : exposition.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < l.length() && l.charAt(end) != '{' && !Character.isWhitespace(l.charAt(end))) {
                end++;
            }
            names.add(l.substring(0, end));
        }
        return names;
    }

    /** Replaces each string literal by {@code "<index in strings>"} and drops {@code #} comments. */
    private static String stripStringsAndComments(String promql, List<String> strings) {
        StringBuilder out = new StringBuilder(promql.length());
        int i = 0;
        while (i < promql.length()) {
            char c = promql.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                int j = i + 1;
                while (j < promql.length() && promql.charAt(j) != c) {
                    j += c != '`' && promql.charAt(j) == '\\' ? 2 : 1;
                }
                strings.add(promql.substring(i + 1, Math.min(j, promql.length())));
                out.append('"').append(strings.size() - 1).append('"');
                i = j + 1;
            } else if (c == '#') {
                while (i < promql.length() && promql.charAt(i) != '\n') {
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static JsonNode read(ObjectMapper mapper, Path file, List<String> problems) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            problems.add(file + ": " + e.getMessage());
            return null;
        }
    }

    private static void checkDashboard(JsonNode dashboard, List<String> expressions, List<String> problems) {
        String where = DASHBOARD + ": ";
        if (text(dashboard, "title") == null) {
            problems.add(where + "no title");
        }
        if (!dashboard.path("schemaVersion").isInt()) {
            problems.add(where + "no schemaVersion");
        }
        boolean datasourceVariable = false;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            datasourceVariable |= "datasource".equals(text(variable, "name")) && "datasource".equals(text(variable, "type"))
                    && "prometheus".equals(text(variable, "query"));
        }
        if (!datasourceVariable) {
            problems.add(where + "no template variable 'datasource' of type datasource (prometheus)");
        }
        JsonNode panels = dashboard.path("panels");
        if (!panels.isArray() || panels.isEmpty()) {
            problems.add(where + "no panels");
            return;
        }
        checkPanels(panels, new HashSet<>(), expressions, problems);
    }

    private static void checkPanels(JsonNode panels, Set<Integer> ids, List<String> expressions, List<String> problems) {
        for (JsonNode panel : panels) {
            String where = DASHBOARD + ": panel " + panel.path("id") + " '" + panel.path("title").asText() + "': ";
            if (!panel.path("id").isInt() || !ids.add(panel.path("id").asInt())) {
                problems.add(where + "no id, or one another panel has");
            }
            if (text(panel, "title") == null || text(panel, "type") == null) {
                problems.add(where + "no title or type");
            }
            for (String field : List.of("h", "w", "x", "y")) {
                if (!panel.path("gridPos").path(field).isInt()) {
                    problems.add(where + "gridPos." + field + " missing");
                }
            }
            if ("row".equals(text(panel, "type"))) {
                checkPanels(panel.path("panels"), ids, expressions, problems); // a collapsed row holds its panels
                continue;
            }
            JsonNode targets = panel.path("targets");
            if (!targets.isArray() || targets.isEmpty()) {
                problems.add(where + "no targets");
                continue;
            }
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : targets) {
                String expr = text(target, "expr");
                if (expr == null) {
                    problems.add(where + "a target without expr");
                } else {
                    expressions.add(expr);
                }
                if (text(target, "refId") == null || !refIds.add(text(target, "refId"))) {
                    problems.add(where + "a target without a refId of its own");
                }
                JsonNode datasource = target.has("datasource") ? target.path("datasource") : panel.path("datasource");
                if (!"${datasource}".equals(text(datasource, "uid"))) {
                    problems.add(where + "datasource is not ${datasource}");
                }
            }
        }
    }

    private static void checkRules(JsonNode file, List<String> expressions, List<String> problems) {
        JsonNode groups = file.path("groups");
        if (!groups.isArray() || groups.isEmpty()) {
            problems.add(ALERTS + ": no groups");
            return;
        }
        Set<String> groupNames = new HashSet<>();
        for (JsonNode group : groups) {
            String name = text(group, "name");
            if (name == null || !groupNames.add(name)) {
                problems.add(ALERTS + ": a group without a name of its own: " + name);
            }
            JsonNode rules = group.path("rules");
            if (!rules.isArray() || rules.isEmpty()) {
                problems.add(ALERTS + ": group " + name + " has no rules");
                continue;
            }
            for (JsonNode rule : rules) {
                String where = ALERTS + ": group " + name + ", rule " + rule.path("alert").asText("?") + ": ";
                if (text(rule, "alert") == null) {
                    problems.add(where + "no alert name");
                }
                String expr = text(rule, "expr");
                if (expr == null) {
                    problems.add(where + "no expr");
                } else {
                    expressions.add(expr);
                }
                String forDuration = rule.path("for").isTextual() ? rule.path("for").asText() : null;
                if (forDuration == null || !DURATION.matcher(forDuration).matches()) {
                    problems.add(where + "'for' is not a duration such as 10m: " + rule.path("for"));
                }
                String severity = text(rule.path("labels"), "severity");
                if (severity == null || !SEVERITIES.contains(severity)) {
                    problems.add(where + "labels.severity is not one of " + SEVERITIES);
                }
                if (text(rule.path("annotations"), "summary") == null) {
                    problems.add(where + "no annotations.summary");
                }
            }
        }
    }

    /** The non-blank text of {@code node.field}, else null. */
    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    /** {@code ObservabilityFiles URL...}: exit 1 if the files query a series none of the URLs exports. */
    public static void main(String... metricsUrls) throws IOException, InterruptedException {
        ObservabilityFiles files = load();
        Set<String> exported = new HashSet<>();
        for (String url : metricsUrls) {
            exported.addAll(seriesNames(Metrics.text(url, Duration.ofSeconds(5))));
        }
        Set<String> missing = files.missing(exported);
        System.out.printf("%d metrics queried by %s and %s; not exported by %s: %s%n", files.metricNames().size(), DASHBOARD,
                ALERTS, String.join(", ", metricsUrls), missing.isEmpty() ? "none" : missing);
        System.exit(missing.isEmpty() ? 0 : 1);
    }
}
