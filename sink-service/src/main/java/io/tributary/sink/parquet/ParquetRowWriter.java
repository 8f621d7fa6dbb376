package io.tributary.sink.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import io.tributary.sink.config.SinkConfig;
import io.tributary.sink.view.ViewRecord;

/**
 * Writes view rows as one Parquet file, in memory. Columns: the view's own columns (the {@code after}
 * record's fields, flattened, typed as in the view's Avro schema; all nullable, because a delete row has
 * only its key columns), then the change metadata {@value #OP}, {@value #EVENT_ID}, {@value #LSN},
 * {@value #SOURCE_TS} (timestamp-millis), {@value #KAFKA_TOPIC}, {@value #KAFKA_PARTITION}, {@value #KAFKA_OFFSET}.
 *
 * <p>Encoding: pages of at most 256 KB (Parquet's default is 1 MB; each column's compressor allocated a page-sized
 * buffer for every file), and no dictionary for the metadata columns that hold a new value in each row
 * ({@value #EVENT_ID}, {@value #LSN}, {@value #KAFKA_OFFSET}): their dictionaries never paid off and held every value
 * until the file was written. The other columns keep Parquet's default, a dictionary while it stays under 256 KB.
 *
 * <p>A file is written row by row as its rows come ({@link #open}): an open file holds its rows as Parquet's column
 * buffers, encoded, and closing it is little work. (Encoding a whole file when it rolled was a burst of CPU and of
 * allocation; until then its rows were held as Avro binary, which lived long enough to be promoted.)
 *
 * <p>Deterministic: the same rows give the same bytes (no wall-clock value is written; parquet's
 * {@code created_by} names only the library version).
 */
public final class ParquetRowWriter {

    public static final String OP = "_op";
    public static final String EVENT_ID = "_event_id";
    public static final String LSN = "_lsn";
    public static final String SOURCE_TS = "_source_ts";
    public static final String KAFKA_TOPIC = "_kafka_topic";
    public static final String KAFKA_PARTITION = "_kafka_partition";
    public static final String KAFKA_OFFSET = "_kafka_offset";

    private final CompressionCodecName codec;
    private final Map<Schema, Schema> fileSchemas = new ConcurrentHashMap<>();

    public ParquetRowWriter(SinkConfig.Compression compression) {
        this.codec = codecName(compression);
    }

    /** Parquet's codec for a configured compression. */
    static CompressionCodecName codecName(SinkConfig.Compression compression) {
        return switch (compression) {
            case SNAPPY -> CompressionCodecName.SNAPPY;
            case ZSTD -> CompressionCodecName.ZSTD;
            case GZIP -> CompressionCodecName.GZIP;
            case UNCOMPRESSED -> CompressionCodecName.UNCOMPRESSED;
        };
    }

    /** The schema of a file holding rows of this view: view columns (nullable) + metadata columns. */
    public Schema fileSchema(Schema viewSchema) {
        return fileSchemas.computeIfAbsent(viewSchema, ParquetRowWriter::deriveFileSchema);
    }

    static Schema deriveFileSchema(Schema view) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : view.getFields()) {
            if (field.name().startsWith("_")) {
                throw new IllegalArgumentException("view " + view.getFullName() + " column '" + field.name()
                        + "' clashes with the sink's metadata columns (names starting with '_')");
            }
            fields.add(new Schema.Field(field.name(), nullable(field.schema()), field.doc(), JsonProperties.NULL_VALUE));
        }
        Schema string = Schema.create(Schema.Type.STRING);
        fields.add(new Schema.Field(OP, string, "INSERT, UPDATE, DELETE or READ (snapshot)"));
        fields.add(new Schema.Field(EVENT_ID, string, "deterministic id of the change"));
        fields.add(new Schema.Field(LSN, Schema.create(Schema.Type.LONG), "PostgreSQL log sequence number of the change"));
        fields.add(new Schema.Field(SOURCE_TS, LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)),
                "commit time of the source transaction (UTC)"));
        fields.add(new Schema.Field(KAFKA_TOPIC, string, "view topic the row was read from"));
        fields.add(new Schema.Field(KAFKA_PARTITION, Schema.create(Schema.Type.INT), "its partition"));
        fields.add(new Schema.Field(KAFKA_OFFSET, Schema.create(Schema.Type.LONG), "its offset"));
        return Schema.createRecord(view.getName() + "LakeRow", "Rows of view " + view.getFullName() + " with change metadata",
                view.getNamespace(), false, fields);
    }

    private static Schema nullable(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            if (schema.getTypes().get(0).getType() == Schema.Type.NULL) {
                return schema;
            }
            List<Schema> branches = new ArrayList<>();
            branches.add(Schema.create(Schema.Type.NULL));
            schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).forEach(branches::add);
            return Schema.createUnion(branches);
        }
        if (schema.getType() == Schema.Type.NULL) {
            return schema;
        }
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }

    /** The row written for a record: its view columns (the key columns only, for a delete) and metadata. */
    public GenericRecord toRow(Schema fileSchema, ViewRecord record) {
        GenericData.Record row = new GenericData.Record(fileSchema);
        if (record.after() != null) {
            for (Schema.Field field : record.after().getSchema().getFields()) {
                if (fileSchema.getField(field.name()) != null) {
                    row.put(field.name(), record.after().get(field.pos()));
                }
            }
        } else {
            for (Schema.Field field : record.key().getSchema().getFields()) {
                if (fileSchema.getField(field.name()) != null) {
                    row.put(field.name(), record.key().get(field.pos()));
                }
            }
        }
        row.put(OP, record.op());
        row.put(EVENT_ID, record.eventId());
        row.put(LSN, record.lsn());
        row.put(SOURCE_TS, record.sourceTsMs());
        row.put(KAFKA_TOPIC, record.topic());
        row.put(KAFKA_PARTITION, record.partition());
        row.put(KAFKA_OFFSET, record.offset());
        return row;
    }

    /** One Parquet file holding the records, in order; all share the view schema. */
    public byte[] write(Schema viewSchema, List<ViewRecord> records, long sizeHint) {
        OpenFile file = open(viewSchema);
        for (ViewRecord record : records) {
            file.write(record);
        }
        ByteBuffer bytes = file.finish(sizeHint);
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        return copy;
    }

    /** Opens a file for rows of this view, written one by one ({@link OpenFile#write}). */
    public OpenFile open(Schema viewSchema) {
        return new OpenFile(viewSchema, fileSchema(viewSchema));
    }

    /**
     * A Parquet file being written, in memory: each row goes into Parquet's column buffers when it is written, so the
     * file holds its rows encoded (and, page by page, compressed) while it is open, and {@link #finish} only writes
     * the last pages and the footer. One thread at a time (the sink hands a file from its worker to its uploader).
     */
    public final class OpenFile {

        private final Schema viewSchema;
        private final Schema fileSchema;
        private final InMemoryOutputFile out = new InMemoryOutputFile(4096);
        private final ParquetWriter<GenericRecord> writer;
        private int rows;
        private RuntimeException failed;

        private OpenFile(Schema viewSchema, Schema fileSchema) {
            this.viewSchema = viewSchema;
            this.fileSchema = fileSchema;
            PlainParquetConfiguration conf = new PlainParquetConfiguration();
            conf.set(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
            try {
                this.writer = AvroParquetWriter.<GenericRecord>builder(out)
                        .withConf(conf)
                        .withSchema(fileSchema)
                        .withDataModel(GenericData.get())
                        .withCompressionCodec(codec)
                        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                        .withPageSize(256 * 1024)
                        .withDictionaryPageSize(256 * 1024)
                        .withDictionaryEncoding(EVENT_ID, false)
                        .withDictionaryEncoding(LSN, false)
                        .withDictionaryEncoding(KAFKA_OFFSET, false)
                        .build();
            } catch (IOException e) {
                throw new UncheckedIOException("could not open a file of " + viewSchema.getFullName(), e);
            }
        }

        public Schema fileSchema() {
            return fileSchema;
        }

        public int rows() {
            return rows;
        }

        /**
         * Writes the record's row ({@link #toRow}). A row Parquet cannot take fails with an
         * {@link IllegalArgumentException}; the file is then unusable ({@link #finish} throws), since some of its
         * columns may hold a value of that row and others not.
         */
        public void write(ViewRecord record) {
            if (failed != null) {
                throw new IllegalStateException("the file failed before: " + failed.getMessage(), failed);
            }
            try {
                writer.write(toRow(fileSchema, record));
                rows++;
            } catch (IOException | RuntimeException e) {
                failed = new IllegalArgumentException("cannot write " + record.topic() + "-" + record.partition() + "@"
                        + record.offset() + " as a row of " + fileSchema.getFullName() + ": " + e.getMessage(), e);
                throw failed;
            }
        }

        /**
         * Writes the last pages and the footer.
         *
         * @param sizeHint the rows' bytes on Kafka: the file's buffer is grown to three quarters of it before the pages
         *        are written out (with snappy a file took about two thirds, 127 bytes per row against 200 on the view
         *        topics in the bench), so that it is seldom grown again, and it is not copied at the end
         * @return the file, in the buffer it was written to
         */
        public ByteBuffer finish(long sizeHint) {
            if (failed != null) {
                throw new IllegalStateException("not written: a row failed before: " + failed.getMessage(), failed);
            }
            out.reserve((int) Math.min(Integer.MAX_VALUE - 16, Math.max(4096, sizeHint / 4 * 3)));
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException("could not encode " + rows + " rows of " + viewSchema.getFullName(), e);
            }
            return out.bytes();
        }
    }
}
