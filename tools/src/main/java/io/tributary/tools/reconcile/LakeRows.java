package io.tributary.tools.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;

import io.tributary.schemas.text.AvroText;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads one table's history from the Parquet lake ({@code <prefix><table>/dt=.../hr=.../*.parquet}, written by
 * the sink) and keeps the latest change per key by LSN; a key whose latest change is a delete is gone.
 * Also counts the changes and event ids, so "every change exactly once" can be checked.
 */
public final class LakeRows {

    /** Metadata columns the sink adds to every Parquet row. */
    static final String OP = "_op";
    static final String EVENT_ID = "_event_id";
    static final String LSN = "_lsn";

    /** The latest rows, and how many times the lake holds each event id. */
    public record Result(Rows latest, Map<String, Integer> eventIds, int files) {

        public long changes() {
            return eventIds.values().stream().mapToLong(Integer::longValue).sum();
        }

        public long distinctEventIds() {
            return eventIds.size();
        }

        public long duplicateChanges() {
            return changes() - distinctEventIds();
        }
    }

    private LakeRows() {
    }

    public static Result read(S3Client s3, String bucket, String objectPrefix, String table, List<String> keyColumns,
            List<String> columns) throws Exception {
        Map<String, GenericRecord> latest = new HashMap<>();
        Map<String, Long> latestLsn = new HashMap<>();
        Map<String, Integer> eventIds = new HashMap<>();
        int files = 0;
        List<S3Object> objects = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(objectPrefix + table + "/")).contents().forEach(objects::add);
        for (S3Object object : objects) {
            if (!object.key().endsWith(".parquet")) {
                continue;
            }
            files++;
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asByteArray();
            var conf = new PlainParquetConfiguration();
            conf.setBoolean(AvroReadSupport.READ_INT96_AS_FIXED, true);
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new ByteArrayInputFile(bytes), conf)
                    .withDataModel(GenericData.get()).build()) {
                for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
                    eventIds.merge(String.valueOf(row.get(EVENT_ID)), 1, Integer::sum);
                    String key = key(row, keyColumns);
                    long lsn = ((Number) row.get(LSN)).longValue();
                    Long seen = latestLsn.get(key);
                    if (seen == null || lsn > seen) {
                        latestLsn.put(key, lsn);
                        latest.put(key, row);
                    }
                }
            }
        }
        Map<String, Map<String, String>> rows = new HashMap<>();
        latest.forEach((key, row) -> {
            if (!"DELETE".equals(String.valueOf(row.get(OP)))) {
                Map<String, String> values = new HashMap<>();
                for (String column : columns) {
                    Schema.Field field = row.getSchema().getField(column);
                    values.put(column, field == null ? null : AvroText.render(field.schema(), row.get(column)));
                }
                rows.put(key, values);
            }
        });
        return new Result(new Rows("lake", rows), eventIds, files);
    }

    private static String key(GenericRecord row, List<String> keyColumns) {
        StringBuilder key = new StringBuilder();
        for (String column : keyColumns) {
            if (!key.isEmpty()) {
                key.append(':');
            }
            Schema.Field field = row.getSchema().getField(column);
            if (field == null) {
                throw new IllegalStateException("lake rows have no key column " + column);
            }
            key.append(AvroText.render(field.schema(), row.get(column)));
        }
        return key.toString();
    }
}
