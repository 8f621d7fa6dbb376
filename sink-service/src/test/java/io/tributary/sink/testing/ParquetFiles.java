package io.tributary.sink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/** Reads Parquet bytes back with parquet-avro, in memory. */
public final class ParquetFiles {

    private ParquetFiles() {
    }

    public static List<GenericRecord> read(byte[] file) {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new BytesInputFile(file),
                new PlainParquetConfiguration()).withDataModel(GenericData.get()).build()) {
            for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    public static ParquetMetadata footer(byte[] file) {
        try (ParquetFileReader reader = ParquetFileReader.open(new BytesInputFile(file))) {
            return reader.getFooter();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An InputFile over bytes. */
    public static final class BytesInputFile implements InputFile {
        private final byte[] bytes;

        public BytesInputFile(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public long getLength() {
            return bytes.length;
        }

        @Override
        public SeekableInputStream newStream() {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new DelegatingSeekableInputStream(new java.io.InputStream() {
                @Override
                public int read() {
                    return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (!buffer.hasRemaining()) {
                        return -1;
                    }
                    int n = Math.min(len, buffer.remaining());
                    buffer.get(b, off, n);
                    return n;
                }
            }) {
                @Override
                public long getPos() {
                    return buffer.position();
                }

                @Override
                public void seek(long newPos) {
                    buffer.position((int) newPos);
                }
            };
        }
    }
}
