package io.tributary.processor.view;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/** Reference tables held in a map, for tests without Kafka. */
final class MapReferenceData implements ReferenceData {

    final Map<String, Map<String, GenericRecord>> tables = new ConcurrentHashMap<>();
    final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    final Map<String, Boolean> loaded = new ConcurrentHashMap<>();

    void put(String topic, GenericRecord row) {
        schemas.put(topic, row.getSchema());
        loaded.put(topic, true);
        tables.computeIfAbsent(topic, t -> new ConcurrentHashMap<>()).put(Objects.toString(row.get("id")), row);
    }

    @Override
    public boolean loaded(String topic) {
        return loaded.getOrDefault(topic, false);
    }

    @Override
    public Optional<Schema> rowSchema(String topic) {
        return Optional.ofNullable(schemas.get(topic));
    }

    @Override
    public Optional<GenericRecord> find(String topic, String field, Object value) {
        return Optional.ofNullable(tables.getOrDefault(topic, Map.of()).get(value.toString()))
                .filter(r -> Objects.toString(r.get(field)).equals(value.toString()));
    }
}
