package io.tributary.tools.reconcile;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** Where the three sides are. */
    public record Endpoints(String jdbcUrl, String pgUser, String redisUri, String redisPrefix, String s3Endpoint, String accessKey,
            String secretKey, String bucket, String objectPrefix) {

        /** The local stack's services on these ports (database, bucket and credentials as the stack sets them up). */
        public static Endpoints forStack(LocalStack.Ports ports) {
            return new Endpoints("jdbc:postgresql://127.0.0.1:" + ports.postgres() + "/" + LocalStack.DATABASE, "postgres",
                    "redis://127.0.0.1:" + ports.redis(), "tributary:", "http://127.0.0.1:" + ports.s3(),
                    S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, LocalStack.BUCKET, "");
        }
    }

    /** The demo's views: what the processor's default configuration publishes. */
    public static final List<Pair> DEMO = List.of(
            new Pair("customers", "customer_view", List.of("id", "name", "segment_id")),
            new Pair("orders", "order_view", List.of("id", "customer_id", "amount", "currency")));

    private ReconcileMain() {
    }

    public static void main(String[] args) throws Exception {
        io.tributary.stack.CliLogging.warningsOnly();
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--pair") && i + 1 < args.length) {
                pairs.add(Pair.parse(args[++i]));
            } else {
                System.err.println("unknown option " + args[i] + "; usage: reconcile [--pair TABLE:VIEW:COL,COL...]...");
                System.exit(2);
            }
        }
        boolean clean = run(Endpoints.forStack(LocalStack.Ports.fromEnvironment()), pairs.isEmpty() ? DEMO : pairs, System.out);
        System.out.println(clean ? "result: CLEAN" : "result: DRIFT");
        System.exit(clean ? 0 : 1);
    }

    /** Reconciles every pair, printing the report; true when every side of every pair is clean. */
    public static boolean run(Endpoints endpoints, List<Pair> pairs, java.io.PrintStream out) throws Exception {
        boolean clean = true;
        Properties props = new Properties();
        props.setProperty("user", endpoints.pgUser());
        try (Connection pg = DriverManager.getConnection(endpoints.jdbcUrl(), props); S3Client s3 = s3(endpoints)) {
            for (Pair pair : pairs) {
                out.printf("reconcile %s -> %s (columns %s)%n", pair.table(), pair.view(), String.join(", ", pair.columns()));
                Rows source = PostgresRows.read(pg, pair.table(), pair.columns());
                Rows redis = RedisRows.read(endpoints.redisUri(), endpoints.redisPrefix(), pair.view(), pair.columns());
                LakeRows.Result lake = LakeRows.read(s3, endpoints.bucket(), endpoints.objectPrefix(), pair.view(),
                        PostgresRows.primaryKey(pg, pair.table()), pair.columns());
                for (Reconciler.SideReport report : Arrays.asList(Reconciler.compare(source, redis, pair.columns()),
                        Reconciler.compare(source, lake.latest(), pair.columns()))) {
                    out.print(report.describe(20));
                    clean &= report.clean();
                }
                out.printf("  lake history: %,d changes in %,d files, %,d distinct event ids, %,d duplicates%n",
                        lake.changes(), lake.files(), lake.distinctEventIds(), lake.duplicateChanges());
                clean &= lake.duplicateChanges() == 0;
            }
        }
        return clean;
    }

    static S3Client s3(Endpoints endpoints) {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoints.s3Endpoint()))
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(endpoints.accessKey(), endpoints.secretKey())))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }
}
