package io.tributary.support.avro;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;

import io.apicurio.registry.resolver.DefaultSchemaResolver;
import io.apicurio.registry.resolver.SchemaLookupResult;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.serde.data.SerdeMetadata;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Apicurio's {@link DefaultSchemaResolver} with a cache that works for generic Avro records. {@link CachingAvroSerializer}
 * sets it (as {@code apicurio.registry.schema-resolver}).
 *
 * <p>Why: for a {@code GenericRecord} the 3.1 serializer resolves the schema for every record (its fast path only
 * covers generated classes). The resolver renders the schema to JSON, and when the schema nests named records (every
 * change envelope does: key, row image, source) it registers them as references and looks the content up under
 * "content + references" while it stores it under "content" alone, so the lookup never hits and every record costs
 * an HTTP {@code POST} to the registry. Profiled in the capture-service, that was three quarters of its CPU.
 *
 * <p>This resolver asks the default one once per topic and Avro schema (equal schemas share an entry; Avro caches
 * a schema's hash) and then answers from memory. A registered schema's ids never change, so the answer stays right;
 * a refused schema throws and is not remembered, so the next record asks again. Records with an explicit schema
 * (from headers) or without Serde metadata go to the default resolver as before.
 */
@RegisterForReflection // for the native image: Apicurio creates it from the class the serdes configure
public class CachingSchemaResolver extends DefaultSchemaResolver<Schema, Object> {

    /** More schema versions than this in one process is unusual: start over rather than grow without bound. */
    static final int MAX_ENTRIES = 1024;

    private record Key(String topic, boolean isKey, Schema schema) {
    }

    private final Map<Key, SchemaLookupResult<Schema>> resolved = new ConcurrentHashMap<>();

    @Override
    public SchemaLookupResult<Schema> resolveSchema(Record<Object> data) {
        Key key = keyOf(data);
        if (key == null) {
            return super.resolveSchema(data);
        }
        SchemaLookupResult<Schema> hit = resolved.get(key);
        if (hit != null) {
            return hit;
        }
        SchemaLookupResult<Schema> result = super.resolveSchema(data);
        bounded(resolved).put(key, result);
        return result;
    }

    /** The cache, emptied first when it holds {@link #MAX_ENTRIES} (as many entries as schema versions in use). */
    static <K, V> Map<K, V> bounded(Map<K, V> cache) {
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        return cache;
    }

    private static Key keyOf(Record<Object> data) {
        if (!(data.metadata() instanceof SerdeMetadata meta) || meta.artifactReference() != null
                || meta.explicitSchemaContent() != null || !(data.payload() instanceof GenericContainer record)) {
            return null;
        }
        return new Key(meta.getTopic(), meta.isKey(), record.getSchema());
    }

    @Override
    public void reset() {
        resolved.clear();
        super.reset();
    }
}
