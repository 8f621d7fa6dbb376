package io.tributary.tools.reconcile;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.tributary.stack.LocalStack;
import io.tributary.stack.S3ProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code ./pipeline reconcile [--pair TABLE:VIEW:COL,COL...]...}: compares each source table in PostgreSQL
 * with the sink's latest state in Redis and with the latest row per key in the Parquet lake, on the
 * columns both hold unmasked. Prints a report; exit code 1 on any drift.
 */
public final class ReconcileMain {

    /** A source table, the view that follows it, and the columns compared (not masked, same name). */
    public record Pair(String table, String view, List<String> columns) {

        static Pair parse(String text) {
            String[] parts = text.split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("--pair wants TABLE:VIEW:COLUMN,COLUMN..., got " + text);
            }
            return new Pair(parts[0], parts[1], List.of(parts[2].split(",")));
        }
    }

    /** Where the three sides are; {@code tls} is null on a plaintext stack. */
    public record Endpoints(String jdbcUrl, String pgUser, String redisUri, String redisPrefix, String s3Endpoint, String accessKey,
            String secretKey, String bucket, String objectPrefix, Tls tls) {

        /** A secure stack: the CA every service's certificate chains to, and the superuser's password. */
        public record Tls(java.nio.file.Path caCert, java.nio.file.Path truststore, String truststorePassword, String pgPassword) {
        }

        public Endpoints(String jdbcUrl, String pgUser, String redisUri, String redisPrefix, String s3Endpoint, String accessKey,
                String secretKey, String bucket, String objectPrefix) {
            this(jdbcUrl, pgUser, redisUri, redisPrefix, s3Endpoint, accessKey, secretKey, bucket, objectPrefix, null);
        }

        /** The local stack's services on these ports (database, bucket and credentials as the stack sets them up). */
        public static Endpoints forStack(LocalStack.Ports ports) {
            return new Endpoints("jdbc:postgresql://127.0.0.1:" + ports.postgres() + "/" + LocalStack.DATABASE, "postgres",
                    "redis://127.0.0.1:" + ports.redis(), "tributary:", "http://127.0.0.1:" + ports.s3(),
                    S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, LocalStack.BUCKET, "");
        }

        /** The local stack, plaintext or secure (then over TLS, as the {@code tools} principal where there is one). */
        public static Endpoints forStack(LocalStack stack) {
            Endpoints plain = forStack(stack.ports());
            return stack.security().map(s -> new Endpoints(plain.jdbcUrl(), "postgres", s.redisUri("tools"), plain.redisPrefix(),
                    stack.s3().endpoint(), s.s3AccessKey(), s.s3SecretKey(), plain.bucket(), plain.objectPrefix(),
                    new Tls(s.caCert(), s.truststore(), s.truststorePassword(), s.postgresPassword()))).orElse(plain);
        }

        /** A JDBC connection as {@link #pgUser()}, over verified TLS on a secure stack. */
        public Connection connectPostgres() throws java.sql.SQLException {
            Properties props = new Properties();
            props.setProperty("user", pgUser);
            if (tls != null) {
                props.setProperty("password", tls.pgPassword());
                props.setProperty("sslmode", "verify-full");
                props.setProperty("sslrootcert", tls.caCert().toString());
            }
            return DriverManager.getConnection(jdbcUrl, props);
        }
    }

    /** The demo's views: what the processor's default configuration publishes. */
    public static final List<Pair> DEMO = List.of(
            new Pair("customers", "customer_view", List.of("id", "name", "segment_id")),
            new Pair("orders", "order_view", List.of("id", "customer_id", "amount", "currency")));

    private ReconcileMain() {
    }

    static final String USAGE = "usage: reconcile [--pair TABLE:VIEW:COL,COL...]... [--every 2m [--host 127.0.0.1] [--port 8086]]";

    public static void main(String[] args) throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        List<Pair> pairs = new ArrayList<>();
        java.time.Duration every = null;
        String host = "127.0.0.1";
        int port = Integer.parseInt(System.getenv().getOrDefault("TRIBUTARY_RECONCILE_PORT", "8086"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pair" -> pairs.add(Pair.parse(value(args, ++i)));
                case "--every" -> every = io.tributary.tools.workload.WorkloadMain.parseDuration(value(args, ++i));
                case "--host" -> host = value(args, ++i);
                case "--port" -> port = Integer.parseInt(value(args, ++i));
                default -> {
                    System.err.println("unknown option " + args[i] + "; " + USAGE);
                    System.exit(2);
                }
            }
        }
        io.tributary.stack.StackLayout layout = io.tributary.stack.StackLayout.discover();
        Endpoints endpoints = Endpoints.forStack(new LocalStack(layout.defaultStateDir(), LocalStack.Ports.fromEnvironment(), layout));
        List<Pair> compared = pairs.isEmpty() ? DEMO : pairs;
        if (every != null) {
            try (ReconcileWatch watch = new ReconcileWatch(endpoints, compared, host, port)) {
                System.out.printf("reconcile every %d s; metrics at http://%s:%d/metrics, report at http://%s:%d/reconcile%n",
                        every.toSeconds(), host, watch.port(), host, watch.port());
                watch.loop(every, System.out);
            }
            return;
        }
        boolean clean = run(endpoints, compared, System.out);
        System.out.println(clean ? "result: CLEAN" : "result: DRIFT");
        System.exit(clean ? 0 : 1);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println(args[i - 1] + " needs a value; " + USAGE);
            System.exit(2);
        }
        return args[i];
    }

    /** One pair's outcome: the source against Redis, against the lake, and the lake's history. */
    public record PairReport(Pair pair, Reconciler.SideReport redis, Reconciler.SideReport lake, LakeRows.Result history) {

        public boolean clean() {
            return redis.clean() && lake.clean() && history.duplicateChanges() == 0;
        }

        /** Keys that differ on a side (missing, extra or different); for the lake, plus duplicated changes. */
        public long drift(String side) {
            return switch (side) {
                case "redis" -> keys(redis);
                case "lake" -> keys(lake) + history.duplicateChanges();
                default -> throw new IllegalArgumentException(side);
            };
        }

        private static long keys(Reconciler.SideReport report) {
            return report.missing().size() + report.extra().size() + report.mismatched().size();
        }

        public String describe() {
            return String.format("reconcile %s -> %s (columns %s)%n", pair.table(), pair.view(), String.join(", ", pair.columns()))
                    + redis.describe(20) + lake.describe(20)
                    + String.format("  lake history: %,d changes in %,d files, %,d distinct event ids, %,d duplicates%n",
                            history.changes(), history.files(), history.distinctEventIds(), history.duplicateChanges());
        }
    }

    /** Reconciles every pair and returns the outcomes. */
    public static List<PairReport> check(Endpoints endpoints, List<Pair> pairs) throws Exception {
        List<PairReport> reports = new ArrayList<>();
        try (Connection pg = endpoints.connectPostgres(); S3Client s3 = s3(endpoints)) {
            for (Pair pair : pairs) {
                Rows source = PostgresRows.read(pg, pair.table(), pair.columns());
                Rows redis = RedisRows.read(RedisRows.options(endpoints), endpoints.redisPrefix(), pair.view(), pair.columns());
                LakeRows.Result lake = LakeRows.read(s3, endpoints.bucket(), endpoints.objectPrefix(), pair.view(),
                        PostgresRows.primaryKey(pg, pair.table()), pair.columns());
                reports.add(new PairReport(pair, Reconciler.compare(source, redis, pair.columns()),
                        Reconciler.compare(source, lake.latest(), pair.columns()), lake));
            }
        }
        return reports;
    }

    /** Reconciles every pair, printing the report; true when every side of every pair is clean. */
    public static boolean run(Endpoints endpoints, List<Pair> pairs, java.io.PrintStream out) throws Exception {
        boolean clean = true;
        for (PairReport report : check(endpoints, pairs)) {
            out.print(report.describe());
            clean &= report.clean();
        }
        return clean;
    }

    /** Trust managers of the stack's trust store (PKCS12 holding its CA). */
    static javax.net.ssl.TrustManager[] trustManagers(Endpoints.Tls tls) {
        try (var in = java.nio.file.Files.newInputStream(tls.truststore())) {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, tls.truststorePassword().toCharArray());
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the trust store " + tls.truststore() + ": " + e.getMessage(), e);
        }
    }

    public static S3Client s3(Endpoints endpoints) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoints.s3Endpoint()))
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(endpoints.accessKey(), endpoints.secretKey())))
                .httpClient(endpoints.tls() == null ? UrlConnectionHttpClient.create()
                        : UrlConnectionHttpClient.builder().tlsTrustManagersProvider(() -> trustManagers(endpoints.tls())).build())
                .build();
    }
}
