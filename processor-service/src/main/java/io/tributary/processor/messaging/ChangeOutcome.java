package io.tributary.processor.messaging;

/** What {@link ChangePipeline#handle} did with a change; every outcome is durable. */
public enum ChangeOutcome {
    /** The view records are acked by Kafka and the event id is recorded. */
    PUBLISHED,
    /** The event id was already recorded: dropped. */
    DUPLICATE,
    /** The change cannot be decoded or transformed: it is on the dead-letter topic (acked by Kafka). */
    DEAD_LETTERED,
    /** A tombstone on a change topic: it carries no change. */
    TOMBSTONE
}
