-- the table quarkus-debezium-outbox creates (entity OutboxEvent), with Hibernate's PostgreSQL types
CREATE TABLE outboxevent (
    id                 uuid PRIMARY KEY,
    aggregatetype      varchar(255) NOT NULL,
    aggregateid        varchar(255) NOT NULL,
    type               varchar(255) NOT NULL,
    timestamp          timestamp(6) NOT NULL,
    payload            varchar(8000),
    tracingspancontext varchar(256)
);
