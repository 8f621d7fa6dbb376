package io.tributary.sink.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import io.tributary.sink.config.SinkConfig.Compression;
import io.tributary.sink.testing.ParquetFiles;
import io.tributary.sink.testing.Views;
import io.tributary.sink.view.ViewRecord;

class ParquetRowWriterTest {

    private static final long TS = Instant.parse("2026-11-23T10:15:30.123Z").toEpochMilli();
    private static final Instant PLACED = Instant.parse("2026-11-23T10:15:29.123456Z");

    private static List<ViewRecord> orders() {
        return Views.records(Views.ORDER_TOPIC, 0, 40, List.of(
                Views.orderChange("e1", "INSERT", 100, TS, 1, Views.order(1, 7, "12.50", null, PLACED)),
                Views.orderChange("e2", "UPDATE", 101, TS, 1, Views.order(1, 7, "9999999999.99", "rush", PLACED)),
                Views.orderChange("e3", "DELETE", 102, TS, 1, null)));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void roundTripsTypedColumnsAndMetadata(Compression compression) {
        byte[] file = new ParquetRowWriter(compression).write(Views.ORDER_VIEW, orders(), 1000);

        List<GenericRecord> rows = ParquetFiles.read(file);
        assertThat(rows).hasSize(3);
        GenericRecord first = rows.get(0);
        Schema amount = nonNull(first.getSchema().getField("amount").schema());
        assertThat(amount.getLogicalType()).isEqualTo(LogicalTypes.decimal(12, 2));
        assertThat(decimal(first.get("amount"), amount)).isEqualByComparingTo("12.50").hasToString("12.50");
        assertThat(decimal(rows.get(1).get("amount"), amount)).hasToString("9999999999.99");
        assertThat(nonNull(first.getSchema().getField("placed_at").schema()).getLogicalType().getName()).isEqualTo("timestamp-micros");
        assertThat(first.get("placed_at")).isEqualTo(Views.micros(PLACED));
        assertThat(first.get("note")).isNull();
        assertThat(rows.get(1).get("note")).hasToString("rush");
        assertThat(first.get(ParquetRowWriter.OP)).hasToString("INSERT");
        assertThat(first.get(ParquetRowWriter.EVENT_ID)).hasToString("e1");
        assertThat(first.get(ParquetRowWriter.LSN)).isEqualTo(100L);
        assertThat(first.get(ParquetRowWriter.SOURCE_TS)).isEqualTo(TS);
        assertThat(first.getSchema().getField(ParquetRowWriter.SOURCE_TS).schema().getLogicalType().getName()).isEqualTo("timestamp-millis");
        assertThat(first.get(ParquetRowWriter.KAFKA_TOPIC)).hasToString(Views.ORDER_TOPIC);
        assertThat(first.get(ParquetRowWriter.KAFKA_PARTITION)).isEqualTo(0);
        assertThat(first.get(ParquetRowWriter.KAFKA_OFFSET)).isEqualTo(40L);
        // a delete keeps its key columns, the rest null
        GenericRecord delete = rows.get(2);
        assertThat(delete.get(ParquetRowWriter.OP)).hasToString("DELETE");
        assertThat(delete.get("id")).isEqualTo(1L);
        assertThat(delete.get("amount")).isNull();
    }

    @Test
    void sameRowsGiveSameBytes() {
        byte[] one = new ParquetRowWriter(Compression.ZSTD).write(Views.ORDER_VIEW, orders(), 1000);
        byte[] two = new ParquetRowWriter(Compression.ZSTD).write(Views.ORDER_VIEW, orders(), 10);
        assertThat(two).isEqualTo(one);
        assertThat(ParquetFiles.footer(one).getFileMetaData().getCreatedBy()).startsWith("parquet-mr");
    }

    @Test
    void anEncodedRowDecodesToTheRowItHolds() throws Exception {
        ParquetRowWriter writer = new ParquetRowWriter(Compression.SNAPPY);
        Schema fileSchema = writer.fileSchema(Views.ORDER_VIEW);
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(fileSchema, fileSchema, GenericData.get());
        for (ViewRecord record : orders()) {
            byte[] held = writer.encode(fileSchema, record);

            GenericRecord decoded = reader.read(null, DecoderFactory.get().binaryDecoder(held, null));
            assertThat(GenericData.get().compare(decoded, writer.toRow(fileSchema, record), fileSchema)).isZero();
        }
    }

    @Test
    void customerViewKeepsNullsAndTimestampMillis() {
        List<ViewRecord> records = Views.records(Views.CUSTOMER_TOPIC, 3, 0, List.of(
                Views.customerChange("c1", "READ", 5, TS, 9, Views.customer(9, "Ada", null, null, TS)),
                Views.customerChange("c2", "UPDATE", 6, TS, 9, Views.customer(9, "Ada L", "h1", 2, null))));
        List<GenericRecord> rows = ParquetFiles.read(new ParquetRowWriter(Compression.SNAPPY).write(Views.CUSTOMER_VIEW, records, 100));
        assertThat(rows.get(0).get("email_hash")).isNull();
        assertThat(rows.get(0).get("segment_id")).isNull();
        assertThat(rows.get(0).get("last_seen")).isEqualTo(TS);
        assertThat(rows.get(1).get("segment_id")).isEqualTo(2);
        assertThat(rows.get(1).get("last_seen")).isNull();
        assertThat(rows.get(1).get("name")).hasToString("Ada L");
    }

    /**
     * A file's event ids, LSNs and offsets differ row by row: a dictionary of them only grows (and held them all in the
     * sink's heap until the file was closed). The columns whose values repeat keep theirs. Pages are at most 256 KB.
     */
    @Test
    void columnsOfOneValuePerRowAreNotDictionaryEncodedAndPagesStaySmall() throws Exception {
        List<GenericRecord> changes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            changes.add(Views.orderChange("%064x".formatted(i), "INSERT", 1000 + i, TS, i, Views.order(i, 7, "12.50", null, PLACED)));
        }
        byte[] file = new ParquetRowWriter(Compression.SNAPPY)
                .write(Views.ORDER_VIEW, Views.records(Views.ORDER_TOPIC, 0, 0, changes), 1000);

        Map<String, ColumnChunkMetaData> columns = new HashMap<>();
        ParquetMetadata footer = ParquetFiles.footer(file);
        assertThat(footer.getBlocks()).hasSize(1);
        footer.getBlocks().get(0).getColumns().forEach(c -> columns.put(c.getPath().toDotString(), c));
        for (String unique : List.of(ParquetRowWriter.EVENT_ID, ParquetRowWriter.LSN, ParquetRowWriter.KAFKA_OFFSET)) {
            assertThat(columns.get(unique).getEncodings()).as(unique).noneMatch(Encoding::usesDictionary);
        }
        for (String repeated : List.of(ParquetRowWriter.OP, ParquetRowWriter.KAFKA_TOPIC, "customer_id")) {
            assertThat(columns.get(repeated).getEncodings()).as(repeated).anyMatch(Encoding::usesDictionary);
        }
        // 10,000 ids of 64 characters are 680 KB: three pages at least
        try (ParquetFileReader reader = ParquetFileReader.open(new ParquetFiles.BytesInputFile(file))) {
            assertThat(reader.readOffsetIndex(columns.get(ParquetRowWriter.EVENT_ID)).getPageCount()).isGreaterThanOrEqualTo(3);
        }
        assertThat(ParquetFiles.read(file)).hasSize(10_000);
    }

    private static Schema nonNull(Schema schema) {
        return schema.getType() == Schema.Type.UNION ? schema.getTypes().get(1) : schema;
    }

    private static BigDecimal decimal(Object value, Schema schema) {
        return new Conversions.DecimalConversion().fromBytes((ByteBuffer) value, schema, schema.getLogicalType());
    }
}
