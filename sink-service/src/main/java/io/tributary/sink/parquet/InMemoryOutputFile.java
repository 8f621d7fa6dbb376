package io.tributary.sink.parquet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/** A Parquet {@link OutputFile} into memory: no Hadoop FileSystem, no local file; the bytes are then uploaded. */
final class InMemoryOutputFile implements OutputFile {

    private final Buffer bytes;

    InMemoryOutputFile(int initialCapacity) {
        this.bytes = new Buffer(initialCapacity);
    }

    /** The bytes written, in place (no copy): valid until the next {@link #createOrOverwrite}. */
    ByteBuffer bytes() {
        return bytes.written();
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
        return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        bytes.reset();
        return new PositionOutputStream() {
            @Override
            public long getPos() {
                return bytes.size();
            }

            @Override
            public void write(int b) {
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes.write(b, off, len);
            }
        };
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return "memory";
    }

    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int initialCapacity) {
            super(initialCapacity);
        }

        ByteBuffer written() {
            return ByteBuffer.wrap(buf, 0, count).slice();
        }
    }
}
