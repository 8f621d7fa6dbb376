package io.tributary.sink.lake;

import java.nio.ByteBuffer;
import java.util.List;

/** Where finished files go: an S3 bucket in production, a map in unit tests. */
public interface ObjectStore {

    /**
     * Stores an object under its final key; it becomes visible whole or not at all (PutObject, or
     * CompleteMultipartUpload when large). Overwriting an existing key with the same bytes is harmless.
     *
     * @param content the object's bytes, from its position to its limit; read, never kept or changed
     */
    void put(String key, ByteBuffer content);

    /** Keys of the objects whose key starts with the prefix. */
    List<String> list(String prefix);
}
