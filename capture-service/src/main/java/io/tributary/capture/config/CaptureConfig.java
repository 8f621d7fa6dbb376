package io.tributary.capture.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The capture-service's own settings ({@code capture.*}). Debezium's raw properties pass through
 * {@link #debezium()} ({@code capture.debezium.*}) and override what the service derives.
 */
@ConfigMapping(prefix = "capture")
public interface CaptureConfig {

    /** Tables to watch, schema-qualified ({@code public.customers}); each needs a primary key. */
    List<String> tables();

    /** Prefix of every topic: change topics are {@code <prefix>.<schema>.<table>}. */
    @WithDefault("tributary")
    String topicPrefix();

    /** Partitions of the change topics the service creates. */
    @WithDefault("3")
    int partitions();

    /** Replication factor of the change topics and of the offsets topic. */
    @WithDefault("1")
    short replicationFactor();

    /** How often the connector writes a heartbeat, so the slot advances while watched tables are idle. */
    @WithDefault("10s")
    Duration heartbeatInterval();

    /** Debezium snapshot.mode: initial, no_data, never, always, when_needed, initial_only. */
    @WithDefault("initial")
    String snapshotMode();

    /** Name of the engine; also the key of its offsets in the offsets topic. */
    @WithDefault("tributary-capture")
    String name();

    /** Logical replication slot name. */
    @WithDefault("tributary")
    String slotName();

    /** Publication name; created by the connector, filtered to the watched tables. */
    @WithDefault("tributary")
    String publicationName();

    /** Avro namespace of the derived records; default {@code io.tributary.<database>.<schema>}. */
    Optional<String> recordNamespace();

    /** Heartbeat table written by the heartbeat action query; created when missing. */
    @WithDefault("public.tributary_heartbeat")
    String heartbeatTable();

    /** Debezium signal table (incremental snapshots); created when missing. */
    @WithDefault("public.tributary_signal")
    String signalTable();

    /** How often the engine commits offsets (and confirms the LSN to PostgreSQL). */
    @WithDefault("1s")
    Duration offsetFlushInterval();

    /** Exit the process with status 1 when the engine stops with an error (off only in tests). */
    @WithDefault("true")
    boolean exitOnFailure();

    /** The source database. */
    Database database();

    /** Kafka. */
    Kafka kafka();

    /** The schema registry (Apicurio v3 API). */
    Registry registry();

    /** Raw Debezium properties, passed to the engine as they are ({@code capture.debezium.X} -> {@code X}). */
    Map<String, String> debezium();

    interface Database {
        /** Host name of PostgreSQL. */
        String host();

        /** Port of PostgreSQL. */
        @WithDefault("5432")
        int port();

        /** Database name. */
        String name();

        /** User with the REPLICATION attribute (or superuser). */
        String user();

        /** Password; none for trust authentication. */
        Optional<String> password();

        /**
         * TLS to PostgreSQL (libpq names): disable, allow, prefer, require, verify-ca, verify-full. With verify-ca or
         * verify-full the server's certificate must chain to {@link #sslRootCert()}.
         */
        Optional<String> sslMode();

        /** PEM file of the CA that signed PostgreSQL's certificate. */
        Optional<String> sslRootCert();
    }

    interface Kafka {
        /**
         * Kafka bootstrap servers. Security settings (security.protocol, sasl.*, ssl.*) are read from {@code kafka.*},
         * as in the other services: see {@link KafkaClientSettings}.
         */
        String bootstrapServers();
    }

    interface Registry {
        /** Registry URL, e.g. http://host:8085/apis/registry/v3. */
        String url();
    }
}
