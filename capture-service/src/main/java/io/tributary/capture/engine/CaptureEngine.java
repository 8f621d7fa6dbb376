package io.tributary.capture.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.connect.source.SourceRecord;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.debezium.embedded.Connect;
import io.debezium.embedded.async.ConvertingAsyncEngineBuilderFactory;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.tributary.capture.config.CaptureConfig;
import io.tributary.capture.config.KafkaClientSettings;
import io.tributary.capture.envelope.EnvelopeMapper;
import io.tributary.capture.envelope.TableRef;
import io.tributary.capture.health.CaptureState;
import io.tributary.capture.messaging.ChangePublisher;
import io.tributary.capture.metrics.CaptureMetrics;
import io.tributary.support.KafkaPreflight;

/**
 * The Debezium engine's lifecycle: check PostgreSQL, build the engine from {@link CaptureConfig}, run it on
 * its own thread, close it on shutdown, and exit the process (status 1) when it dies so Kubernetes
 * restarts it. Its state is the health ({@link CaptureState}).
 */
@Startup
@ApplicationScoped
public class CaptureEngine {

    private static final Logger LOG = Logger.getLogger(CaptureEngine.class);
    static final Set<String> SNAPSHOT_MODES = Set.of("initial", "no_data", "never", "always", "when_needed",
            "initial_only", "recovery", "configuration_based", "custom");
    static final List<String> SSL_MODES = List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    private final CaptureConfig config;
    private final CaptureState state;
    private final CaptureMetrics metrics;
    private final PostgresPreflight postgres;
    private final OpenTelemetry openTelemetry;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "capture-engine"));
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final Map<String, String> kafkaClient;
    private ChangePublisher publisher;

    public CaptureEngine(CaptureConfig config, CaptureState state, CaptureMetrics metrics, OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingDisabled, Config mpConfig) {
        this.config = config;
        this.kafkaClient = KafkaClientSettings.from(mpConfig);
        this.state = state;
        this.metrics = metrics;
        // a disabled Quarkus SDK still hands out valid (unexported) spans: no-op, so no traceparent is written
        this.openTelemetry = tracingDisabled ? OpenTelemetry.noop() : openTelemetry;
        this.postgres = new PostgresPreflight(config.database());
    }

    @PostConstruct
    void start() {
        validate(config);
        postgres.check(config.tables(), config.heartbeatTable(), config.signalTable());
        Map<String, String> client = new HashMap<>(kafkaClient);
        client.put("bootstrap.servers", config.kafka().bootstrapServers());
        KafkaPreflight.check(client, KafkaClientSettings.PREFIX, Duration.ofSeconds(15));
        metrics.slotLag(() -> postgres.slotLagBytes(config.slotName()));
        config.tables().forEach(metrics::table);

        // asked once per table version (the mapper caches its derived schemas per Connect schema)
        EnvelopeMapper mapper = new EnvelopeMapper(config.recordNamespace(), t -> postgres.fullRowImage(t.schema(), t.table()));
        publisher = new ChangePublisher(new ChangePublisher.Settings(config.topicPrefix(), config.partitions(),
                config.replicationFactor(), config.kafka().bootstrapServers(), kafkaClient, config.registry().url(),
                Set.of(config.heartbeatTable(), config.signalTable())), mapper, metrics, openTelemetry);

        engine = new ConvertingAsyncEngineBuilderFactory().builder(ChangeEventFormat.of(Connect.class))
                .using(engineProperties(config, kafkaClient))
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        state.running();
                    }
                })
                .using((success, message, error) -> {
                    if (!success) {
                        String detail = error != null && error.getMessage() != null ? rootMessage(error) : message;
                        LOG.errorf(error, "capture engine stopped with an error: %s", detail);
                        state.failed(detail);
                    } else {
                        state.stopped(message);
                    }
                })
                .notifying(publisher)
                .build();

        executor.execute(() -> {
            try {
                engine.run();
            } finally {
                if (state.status().phase() == CaptureState.Phase.FAILED) {
                    if (config.exitOnFailure()) {
                        LOG.error("exiting with status 1 so that the capture-service is restarted");
                        Quarkus.asyncExit(1);
                    }
                } else {
                    state.stopped("engine stopped");
                }
            }
        });
        LOG.infof("capture started: tables %s -> topics %s.<schema>.<table>", config.tables(), config.topicPrefix());
    }

    /** The Debezium properties: ours first, then {@code capture.debezium.*} on top. */
    static Properties engineProperties(CaptureConfig config, Map<String, String> kafkaClient) {
        Properties p = new Properties();
        p.setProperty("name", config.name());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", config.topicPrefix());

        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", config.topicPrefix() + ".capture.offsets");
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", Short.toString(config.replicationFactor()));
        p.setProperty("offset.flush.interval.ms", Long.toString(config.offsetFlushInterval().toMillis()));
        p.setProperty("bootstrap.servers", config.kafka().bootstrapServers());
        // the offset store's producer, consumer and admin client take the worker's own client settings
        kafkaClient.forEach(p::setProperty);

        CaptureConfig.Database db = config.database();
        p.setProperty("database.hostname", db.host());
        p.setProperty("database.port", Integer.toString(db.port()));
        p.setProperty("database.dbname", db.name());
        p.setProperty("database.user", db.user());
        db.password().ifPresent(pw -> p.setProperty("database.password", pw));
        db.sslMode().ifPresent(mode -> p.setProperty("database.sslmode", mode));
        db.sslRootCert().ifPresent(file -> p.setProperty("database.sslrootcert", file));

        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", config.slotName());
        p.setProperty("publication.name", config.publicationName());
        p.setProperty("publication.autocreate.mode", "filtered");
        Set<String> include = new LinkedHashSet<>(config.tables());
        include.add(config.heartbeatTable());
        include.add(config.signalTable());
        p.setProperty("table.include.list", String.join(",", quoteDots(new ArrayList<>(include))));
        p.setProperty("snapshot.mode", config.snapshotMode());

        p.setProperty("heartbeat.interval.ms", Long.toString(config.heartbeatInterval().toMillis()));
        p.setProperty("heartbeat.action.query", "INSERT INTO " + config.heartbeatTable()
                + " (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts");
        p.setProperty("signal.data.collection", config.signalTable());
        p.setProperty("signal.enabled.channels", "source");

        // Debezium's queue hands out a batch when it holds max.batch.size changes or poll.interval.ms has passed (default
        // 500 ms: half a second of latency at low rates). Short polls keep latency low; batches still fill under load.
        p.setProperty("poll.interval.ms", "20");
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "16384");

        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("column.propagate.source.type", ".*");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("include.unknown.datatypes", "false");

        config.debezium().forEach(p::setProperty);
        return p;
    }

    /** Debezium's include lists are regular expressions: a literal dot must be escaped. */
    private static List<String> quoteDots(List<String> tables) {
        return tables.stream().map(t -> t.replace(".", "\\.")).toList();
    }

    /** Refuses settings the connector would only complain about later, naming the key. */
    static void validate(CaptureConfig config) {
        List<String> problems = new ArrayList<>();
        if (config.tables().isEmpty()) {
            problems.add("capture.tables: no table to watch");
        }
        for (String t : config.tables()) {
            try {
                PostgresPreflight.split(t);
            } catch (IllegalArgumentException e) {
                problems.add("capture.tables: " + e.getMessage());
            }
        }
        if (!config.topicPrefix().matches("[A-Za-z0-9._-]+")) {
            problems.add("capture.topic-prefix: '" + config.topicPrefix() + "' is not a valid Kafka topic name part");
        }
        if (config.partitions() < 1) {
            problems.add("capture.partitions: must be at least 1, is " + config.partitions());
        }
        if (config.replicationFactor() < 1) {
            problems.add("capture.replication-factor: must be at least 1, is " + config.replicationFactor());
        }
        if (config.heartbeatInterval().isNegative() || config.heartbeatInterval().isZero()) {
            problems.add("capture.heartbeat-interval: must be positive, is " + config.heartbeatInterval());
        }
        if (!SNAPSHOT_MODES.contains(config.snapshotMode())) {
            problems.add("capture.snapshot-mode: '" + config.snapshotMode() + "' is not one of " + SNAPSHOT_MODES);
        }
        config.database().sslMode().ifPresent(mode -> {
            if (!SSL_MODES.contains(mode)) {
                problems.add("capture.database.ssl-mode: '" + mode + "' is not one of " + SSL_MODES);
            }
        });
        config.database().sslRootCert().ifPresent(file -> {
            if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
                problems.add("capture.database.ssl-root-cert: " + file + " is not a readable file");
            }
        });
        if (!config.slotName().matches("[a-z0-9_]{1,63}")) {
            problems.add("capture.slot-name: '" + config.slotName() + "' must be lower-case letters, digits and _ (PostgreSQL rule)");
        }
        for (String key : List.of("heartbeat-table", "signal-table")) {
            String value = key.equals("heartbeat-table") ? config.heartbeatTable() : config.signalTable();
            try {
                PostgresPreflight.split(value);
            } catch (IllegalArgumentException e) {
                problems.add("capture." + key + ": " + e.getMessage());
            }
        }
        if (!config.registry().url().startsWith("http://") && !config.registry().url().startsWith("https://")) {
            problems.add("capture.registry.url: '" + config.registry().url() + "' is not an http(s) URL");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid capture configuration: " + String.join("; ", problems));
        }
    }

    /** The engine's failure reason, for health and tests. */
    public CaptureState.Status status() {
        return state.status();
    }

    /** The publisher's topic for a table. */
    public String topicFor(TableRef table) {
        return publisher.topicFor(table);
    }

    /** Asks Debezium (through the signal table) for an incremental snapshot of one table. */
    public String requestSnapshot(String qualifiedTable) {
        if (!config.tables().contains(qualifiedTable)) {
            throw new IllegalArgumentException("table " + qualifiedTable + " is not watched (capture.tables = " + config.tables() + ")");
        }
        String id = java.util.UUID.randomUUID().toString();
        postgres.signal(config.signalTable(), id, "execute-snapshot",
                "{\"data-collections\": [\"" + qualifiedTable.replace(".", "\\\\.") + "\"], \"type\": \"incremental\"}");
        return id;
    }

    void stop(@Observes ShutdownEvent event) {
        try {
            if (engine != null) {
                engine.close();
            }
            executor.shutdown();
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("capture engine did not stop within 30 s");
            }
        } catch (Exception e) {
            LOG.error("error while stopping the capture engine", e);
        } finally {
            if (publisher != null) {
                publisher.close();
            }
        }
    }

    private static String rootMessage(Throwable error) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !out.toString().contains(t.getMessage())) {
                if (out.length() > 0) {
                    out.append(" <- ");
                }
                out.append(t.getMessage());
            }
        }
        return out.toString();
    }
}
