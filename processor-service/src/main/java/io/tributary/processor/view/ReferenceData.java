package io.tributary.processor.view;

import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/** Read access to materialized reference tables, keyed by their change topic. */
public interface ReferenceData {

    /** Whether the table has been read up to the end of its topic as it was at start. */
    boolean loaded(String topic);

    /** The row schema of the table, once a row has been seen. */
    Optional<Schema> rowSchema(String topic);

    /** The live row whose {@code field} equals {@code value}, compared by string form. */
    Optional<GenericRecord> find(String topic, String field, Object value);
}
