package io.tributary.support.avro;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificRecord;

import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Apicurio's {@link DefaultAvroDatumProvider} without the per-record schema fingerprint. {@link CachingAvroSerializer}
 * and {@link CachingAvroDeserializer} set it (as {@code apicurio.registry.avro-datum-provider}, a class: see there why
 * not a name).
 *
 * <p>The default provider keys its reader and writer caches by {@code SchemaNormalization.parsingFingerprint64}, which
 * renders the schema's canonical form and hashes it for every record: in the processor that was most of the cost of
 * writing a view record. This one remembers the default provider's answer per schema ({@link Schema#hashCode()} is
 * cached by Avro; the schema objects come from the resolver's cache or the mapper's, so lookups are mostly identity
 * hits) and asks it only for a schema it has not seen.
 */
@RegisterForReflection // for the native image: Apicurio creates it from the class the serdes configure
public class CachingAvroDatumProvider<T> extends DefaultAvroDatumProvider<T> {

    private record WriterKey(Schema schema, boolean specific) {
    }

    private final Map<WriterKey, DatumWriter<T>> writers = new ConcurrentHashMap<>();
    private final Map<Schema, DatumReader<T>> readers = new ConcurrentHashMap<>();

    @Override
    public DatumWriter<T> createDatumWriter(T data, Schema schema) {
        WriterKey key = new WriterKey(schema, data instanceof SpecificRecord);
        DatumWriter<T> writer = writers.get(key);
        if (writer == null) {
            writer = super.createDatumWriter(data, schema);
            CachingSchemaResolver.bounded(writers).put(key, writer);
        }
        return writer;
    }

    @Override
    public DatumReader<T> createDatumReader(Schema schema) {
        DatumReader<T> reader = readers.get(schema);
        if (reader == null) {
            reader = super.createDatumReader(schema);
            CachingSchemaResolver.bounded(readers).put(schema, reader);
        }
        return reader;
    }
}
