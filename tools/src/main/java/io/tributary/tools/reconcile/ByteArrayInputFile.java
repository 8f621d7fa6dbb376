package io.tributary.tools.reconcile;

import java.io.ByteArrayInputStream;

import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/** A Parquet file held in memory (a downloaded object), readable without a Hadoop file system. */
public final class ByteArrayInputFile implements InputFile {

    private final byte[] data;

    public ByteArrayInputFile(byte[] data) {
        this.data = data;
    }

    @Override
    public long getLength() {
        return data.length;
    }

    @Override
    public SeekableInputStream newStream() {
        Positioned in = new Positioned(data);
        return new DelegatingSeekableInputStream(in) {
            @Override
            public long getPos() {
                return in.position();
            }

            @Override
            public void seek(long newPos) {
                in.seek((int) newPos);
            }
        };
    }

    private static final class Positioned extends ByteArrayInputStream {

        Positioned(byte[] data) {
            super(data);
        }

        long position() {
            return pos;
        }

        void seek(int position) {
            pos = position;
        }
    }
}
