package io.tributary.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tributary.registry.AvroRules.Compatibility;
import io.tributary.registry.RegistryStore.Scope;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local stand-in for Apicurio Registry 3.x: the part of its v3 REST API (under {@code /apis/registry/v3})
 * that the Apicurio 3.1.7 Java SDK and Kafka serdes call, on the JDK's HTTP server. Not a product: see the
 * module README for what it covers.
 *
 * <pre>{@code
 * try (SchemaRegistryServer registry = new SchemaRegistryServer("127.0.0.1", 0, dataDir)) {
 *     registry.start();
 *     config.put("apicurio.registry.url", registry.url());
 * }
 * }</pre>
 */
public final class SchemaRegistryServer implements AutoCloseable {

    /** The path of the Core Registry API v3, the value to append to host and port in {@code apicurio.registry.url}. */
    public static final String API_PATH = "/apis/registry/v3";

    private static final System.Logger LOG = System.getLogger(SchemaRegistryServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String APPLICATION_JSON = "application/json";
    private static final int DEFAULT_LIMIT = 20;
    private static final Set<String> PAGING = Set.of("offset", "limit", "order", "orderby", "canonical", "labels",
            "description");

    private final String host;
    private final int requestedPort;
    private final Path dataDir;
    private final Compatibility globalCompatibility;
    private final List<Route> routes = new ArrayList<>();

    private HttpServer server;
    private ExecutorService executor;
    private volatile RegistryStore store;

    /**
     * A server whose default global COMPATIBILITY rule is BACKWARD.
     *
     * @param host the address to bind, e.g. {@code 127.0.0.1}
     * @param port the port to bind; 0 picks a free one (see {@link #port()})
     * @param dataDir where the registry keeps its state across restarts; null keeps it in memory only
     */
    public SchemaRegistryServer(String host, int port, Path dataDir) {
        this(host, port, dataDir, Compatibility.BACKWARD.name());
    }

    /**
     * @param globalCompatibility the default global COMPATIBILITY rule (NONE, BACKWARD, BACKWARD_TRANSITIVE,
     *            FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE), in force while no global rule is set through
     *            {@code /admin/rules}; NONE turns the default off
     */
    public SchemaRegistryServer(String host, int port, Path dataDir, String globalCompatibility) {
        this.host = host;
        this.requestedPort = port;
        this.dataDir = dataDir;
        this.globalCompatibility = Compatibility.parse(globalCompatibility);
        defineRoutes();
    }

    /** Replays the data directory, if any, and starts serving. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        RegistryStore opened = new RegistryStore(dataDir, globalCompatibility);
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(host, requestedPort), 0);
            http.createContext("/", this::handle);
            store = opened;
            executor = Executors.newVirtualThreadPerTaskExecutor();
            http.setExecutor(executor);
            http.start();
            server = http;
        } catch (IOException | RuntimeException e) {
            if (executor != null) {
                executor.shutdownNow();
                executor = null;
            }
            store = null;
            opened.close();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "Apicurio Registry stand-in listening on {0} (data: {1}, default global"
                + " compatibility: {2})", url(), dataDir == null ? "in memory" : dataDir, globalCompatibility);
    }

    /** Stops serving and closes the data directory; the server can be started again. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            store.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Closing the registry data failed", e);
        }
        server = null;
        executor = null;
        store = null;
        LOG.log(System.Logger.Level.INFO, "Apicurio Registry stand-in stopped");
    }

    @Override
    public void close() {
        stop();
    }

    /** The bound port (the free port chosen when 0 was asked for). */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress().getPort();
    }

    /** The value for {@code apicurio.registry.url}, e.g. {@code http://127.0.0.1:8085/apis/registry/v3}. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port() + API_PATH;
    }

    // ---------------------------------------------------------------- routes

    private void defineRoutes() {
        get("/system/info", r -> json(200, new Api.SystemInfo("Apicurio Registry (Tributary local stand-in)",
                "Local stand-in for Apicurio Registry 3.x: Avro only, for tests and the local stack", "3.1.7",
                null)));

        get("/groups/{groupId}/artifacts", r -> json(200,
                store.listArtifacts(r.path("groupId"), r.intQuery("offset", 0), r.intQuery("limit", DEFAULT_LIMIT))));
        post("/groups/{groupId}/artifacts", r -> json(200, store.createArtifact(r.path("groupId"),
                r.body(Api.CreateArtifact.class), r.query("ifExists"), r.boolQuery("canonical"),
                r.boolQuery("dryRun"))));
        get("/groups/{groupId}/artifacts/{artifactId}",
                r -> json(200, store.artifactMeta(r.path("groupId"), r.path("artifactId"))));
        get("/groups/{groupId}/artifacts/{artifactId}/versions", r -> json(200,
                store.listVersions(r.path("groupId"), r.path("artifactId"), r.query("orderby"), r.query("order"),
                        r.intQuery("offset", 0), r.intQuery("limit", DEFAULT_LIMIT))));
        post("/groups/{groupId}/artifacts/{artifactId}/versions", r -> json(200,
                store.createVersion(r.path("groupId"), r.path("artifactId"), r.body(Api.CreateVersion.class),
                        r.boolQuery("dryRun"))));
        get("/groups/{groupId}/artifacts/{artifactId}/versions/{version}", r -> json(200,
                store.versionMeta(r.path("groupId"), r.path("artifactId"), r.path("version"))));
        get("/groups/{groupId}/artifacts/{artifactId}/versions/{version}/content", r -> content(
                store.contentOfVersion(r.path("groupId"), r.path("artifactId"), r.path("version"),
                        dereference(r))));
        get("/groups/{groupId}/artifacts/{artifactId}/versions/{version}/references", r -> json(200,
                store.referencesOfVersion(r.path("groupId"), r.path("artifactId"), r.path("version"),
                        inbound(r))));

        get("/ids/globalIds/{globalId}",
                r -> content(store.contentByGlobalId(r.longPath("globalId"), dereference(r))));
        get("/ids/globalIds/{globalId}/references",
                r -> json(200, store.referencesByGlobalId(r.longPath("globalId"), inbound(r))));
        get("/ids/contentIds/{contentId}", r -> content(store.contentById(r.longPath("contentId"))));
        get("/ids/contentIds/{contentId}/references",
                r -> json(200, store.referencesByContentId(r.longPath("contentId"))));
        get("/ids/contentHashes/{contentHash}", r -> content(store.contentByHash(r.path("contentHash"))));
        get("/ids/contentHashes/{contentHash}/references",
                r -> json(200, store.referencesByContentHash(r.path("contentHash"))));

        get("/search/versions", r -> json(200, search(r, null)));
        post("/search/versions", r -> json(200, search(r, new String(r.body, StandardCharsets.UTF_8))));

        ruleRoutes("/admin/rules", r -> Scope.GLOBAL);
        ruleRoutes("/groups/{groupId}/rules", r -> new Scope(r.path("groupId"), null));
        ruleRoutes("/groups/{groupId}/artifacts/{artifactId}/rules",
                r -> new Scope(r.path("groupId"), r.path("artifactId")));
    }

    private void ruleRoutes(String base, java.util.function.Function<Request, Scope> scope) {
        get(base, r -> json(200, store.listRules(scope.apply(r))));
        post(base, r -> {
            store.createRule(scope.apply(r), r.body(Api.Rule.class));
            return Reply.NO_CONTENT;
        });
        delete(base, r -> {
            store.deleteRules(scope.apply(r));
            return Reply.NO_CONTENT;
        });
        get(base + "/{ruleType}", r -> json(200, store.getRule(scope.apply(r), r.path("ruleType"))));
        put(base + "/{ruleType}", r -> json(200,
                store.updateRule(scope.apply(r), r.path("ruleType"), r.body(Api.Rule.class))));
        delete(base + "/{ruleType}", r -> {
            store.deleteRule(scope.apply(r), r.path("ruleType"));
            return Reply.NO_CONTENT;
        });
    }

    private Api.VersionSearchResults search(Request r, String content) {
        Map<String, String> filters = new LinkedHashMap<>(r.query);
        filters.keySet().removeAll(PAGING);
        return store.searchVersions(filters, content, r.boolQuery("canonical"), r.query("orderby"),
                r.query("order"), r.intQuery("offset", 0), r.intQuery("limit", DEFAULT_LIMIT));
    }

    private static boolean dereference(Request r) {
        String references = r.query("references");
        if (references == null || references.equalsIgnoreCase("PRESERVE")) {
            return false;
        }
        if (references.equalsIgnoreCase("DEREFERENCE")) {
            return true;
        }
        throw RegistryException.badRequest("references=" + references
                + " is not supported by this stand-in: use PRESERVE or DEREFERENCE.");
    }

    private static boolean inbound(Request r) {
        return "INBOUND".equalsIgnoreCase(r.query("refType"));
    }

    // ---------------------------------------------------------------- HTTP plumbing

    private interface Handler {
        Reply handle(Request request) throws IOException;
    }

    private record Route(String method, String[] pattern, Handler handler) {
        /** The path parameters if {@code segments} matches the pattern, else null. */
        Map<String, String> match(List<String> segments) {
            if (segments.size() != pattern.length) {
                return null;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < pattern.length; i++) {
                String p = pattern[i];
                if (p.startsWith("{")) {
                    params.put(p.substring(1, p.length() - 1), segments.get(i));
                } else if (!p.equals(segments.get(i))) {
                    return null;
                }
            }
            return params;
        }
    }

    private record Request(Map<String, String> path, Map<String, String> query, byte[] body) {
        String path(String name) {
            return path.get(name);
        }

        long longPath(String name) {
            try {
                return Long.parseLong(path.get(name));
            } catch (NumberFormatException e) {
                throw RegistryException.badRequest("Invalid " + name + ": '" + path.get(name) + "'");
            }
        }

        String query(String name) {
            return query.get(name);
        }

        boolean boolQuery(String name) {
            return Boolean.parseBoolean(query.get(name));
        }

        int intQuery(String name, int defaultValue) {
            String value = query.get(name);
            try {
                return value == null ? defaultValue : Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw RegistryException.badRequest("Invalid " + name + ": '" + value + "'");
            }
        }

        <T> T body(Class<T> type) {
            if (body.length == 0) {
                throw RegistryException.badRequest("Missing request body.");
            }
            try {
                return JSON.readValue(body, type);
            } catch (IOException e) {
                throw RegistryException.badRequest("Invalid JSON body: " + e.getMessage());
            }
        }
    }

    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        static final Reply NO_CONTENT = new Reply(204, null, new byte[0], Map.of());
    }

    private static Reply json(int status, Object body) throws JsonProcessingException {
        return new Reply(status, APPLICATION_JSON, JSON.writeValueAsBytes(body), Map.of());
    }

    private static Reply content(String content) {
        return new Reply(200, APPLICATION_JSON, content.getBytes(StandardCharsets.UTF_8),
                Map.of("X-Registry-ArtifactType", RegistryStore.AVRO));
    }

    private void get(String path, Handler handler) {
        routes.add(new Route("GET", segments(path), handler));
    }

    private void post(String path, Handler handler) {
        routes.add(new Route("POST", segments(path), handler));
    }

    private void put(String path, Handler handler) {
        routes.add(new Route("PUT", segments(path), handler));
    }

    private void delete(String path, Handler handler) {
        routes.add(new Route("DELETE", segments(path), handler));
    }

    private static String[] segments(String path) {
        return path.substring(1).split("/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            reply = dispatch(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), body);
        } catch (RegistryException e) {
            reply = problem(e);
        } catch (RuntimeException | IOException e) {
            LOG.log(System.Logger.Level.ERROR, "Request " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI() + " failed", e);
            reply = json(500, new Api.ProblemDetails(null, "Internal Server Error", 500,
                    String.valueOf(e.getMessage()), null, "InternalError", null));
        }
        LOG.log(System.Logger.Level.DEBUG, "{0} {1} -> {2}", exchange.getRequestMethod(), exchange.getRequestURI(),
                reply.status());
        try (exchange) {
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            if (reply.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            }
            boolean empty = reply.body().length == 0;
            exchange.sendResponseHeaders(reply.status(), empty ? -1 : reply.body().length);
            if (!empty) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply.body());
                }
            }
        }
    }

    private Reply dispatch(String method, String rawPath, String rawQuery, byte[] body) throws IOException {
        if (rawPath.equals("/health/live") || rawPath.equals("/health/ready")) {
            return json(200, Map.of("status", "UP"));
        }
        if (!rawPath.startsWith(API_PATH + "/")) {
            throw RegistryException.of(404, "NotFoundException", "No such path: " + rawPath);
        }
        List<String> segments = new ArrayList<>();
        for (String s : rawPath.substring(API_PATH.length() + 1).split("/", -1)) {
            segments.add(decodePathSegment(s));
        }
        if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        boolean pathKnown = false;
        for (Route route : routes) {
            Map<String, String> params = route.match(segments);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (route.method().equals(method)) {
                return route.handler().handle(new Request(params, parseQuery(rawQuery), body));
            }
        }
        if (pathKnown) {
            throw RegistryException.of(405, "NotAllowedException",
                    method + " " + rawPath + " is not supported by this Apicurio Registry stand-in.");
        }
        throw RegistryException.of(404, "NotFoundException",
                "No such endpoint in this Apicurio Registry stand-in: " + method + " " + rawPath);
    }

    private static Reply problem(RegistryException e) throws JsonProcessingException {
        return json(e.status(), e.toProblemDetails());
    }

    /** Percent-decoding of one path segment ('+' is a literal plus in a path). */
    private static String decodePathSegment(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(key, value);
        }
        return query;
    }
}
