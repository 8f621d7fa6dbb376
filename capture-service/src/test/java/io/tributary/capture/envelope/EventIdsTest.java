package io.tributary.capture.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class EventIdsTest {

    private static final Schema KEY = SchemaBuilder.record("CustomersKey").namespace("tributary.public")
            .fields().requiredLong("id").requiredString("region").endRecord();

    private static GenericRecord key(long id, String region) {
        GenericRecord key = new GenericData.Record(KEY);
        key.put("id", id);
        key.put("region", region);
        return key;
    }

    /** Ids already written to Kafka, Redis and the lake stay the ids of the same changes after an upgrade. */
    @Test
    void anIdIsTheSameAcrossReleases() {
        assertThat(EventIds.eventId(new TableRef("app", "public", "customers"), 23_456_789L, 771L, "u", null, key(42, "eu")))
                .isEqualTo("01fb618de6772472906b953174d7d1cd74102ac88fe29113c6990a08007da915");
    }

    @Test
    void theKeyTellsRowsOfOneLogRecordApart() {
        TableRef table = new TableRef("app", "public", "customers");
        assertThat(EventIds.eventId(table, 100L, 7L, "c", null, key(1, "eu")))
                .isNotEqualTo(EventIds.eventId(table, 100L, 7L, "c", null, key(2, "eu")))
                .isEqualTo(EventIds.eventId(table, 100L, 7L, "c", null, key(1, "eu")));
        assertThat(EventIds.eventId(table, 100L, null, "r", "initial", key(1, "eu")))
                .isNotEqualTo(EventIds.eventId(table, 100L, null, "r", "incremental", key(1, "eu")));
    }
}
