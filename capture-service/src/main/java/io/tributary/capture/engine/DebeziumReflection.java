package io.tributary.capture.engine;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Classes the embedded Debezium engine and Kafka Connect create from a class name in their configuration (ours in
 * {@link CaptureEngine#engineProperties}, or their own defaults), registered for the native image. Debezium's
 * ServiceLoader lookups (snapshotters, signal and notification channels, snapshot lock and query) are covered by
 * {@code quarkus.native.auto-service-loader-registration} in application.properties.
 *
 * <p>Not verified by a native build here (no GraalVM or Mandrel on these machines; the Debezium Quarkus extension,
 * which would do this, is not in the reachable Maven repository). {@code DebeziumReflectionTest} checks that every
 * name exists and that every class-valued engine property is in the list.
 */
@RegisterForReflection(classNames = {
        "io.debezium.connector.postgresql.PostgresConnector",
        "io.debezium.connector.postgresql.PostgresConnectorTask",
        "io.debezium.connector.postgresql.PostgresSourceInfoStructMaker",
        "io.debezium.schema.SchemaTopicNamingStrategy",
        "io.debezium.schema.DefaultTopicNamingStrategy",
        "io.debezium.pipeline.txmetadata.DefaultTransactionMetadataFactory",
        "io.debezium.engine.spi.OffsetCommitPolicy$PeriodicCommitOffsetPolicy",
        "io.debezium.transforms.outbox.EventRouter",
        "org.apache.kafka.connect.storage.KafkaOffsetBackingStore",
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter"})
final class DebeziumReflection {
    private DebeziumReflection() {
    }
}
