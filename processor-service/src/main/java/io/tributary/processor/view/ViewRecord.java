package io.tributary.processor.view;

import org.apache.avro.generic.GenericRecord;

/**
 * One record to publish on a view topic: key = the source table's key record, value = the
 * {@code <View>Change} envelope. When {@code tombstone} is set (a delete), the envelope is followed by a
 * tombstone (null value) with the same key.
 */
public record ViewRecord(String view, String topic, GenericRecord key, GenericRecord value, boolean tombstone) {
}
