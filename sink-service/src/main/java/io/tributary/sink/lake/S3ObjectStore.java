package io.tributary.sink.lake;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link ObjectStore} on S3: a PutObject for small files, a multipart upload above a threshold. Both make
 * the object appear atomically under its final key; an interrupted multipart upload leaves no object (only
 * parts, which a bucket lifecycle rule AbortIncompleteMultipartUpload cleans).
 *
 * <p>The SDK reads the bytes in place ({@link RequestBody#fromContentProvider}): {@code RequestBody.fromBytes} copied
 * every file, a few MB that lived through the upload and, in a 128 MB heap, went to the old generation.
 */
public final class S3ObjectStore implements ObjectStore {

    private static final Logger LOG = Logger.getLogger(S3ObjectStore.class);
    private static final String CONTENT_TYPE = "application/vnd.apache.parquet";

    private final S3Client s3;
    private final String bucket;
    private final long multipartThreshold;
    private final long partSize;

    public S3ObjectStore(S3Client s3, String bucket, long multipartThreshold, long partSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
    }

    @Override
    public void put(String key, ByteBuffer content) {
        int length = content.remaining();
        if (length <= multipartThreshold) {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType(CONTENT_TYPE), body(content, 0, length));
            return;
        }
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(CONTENT_TYPE)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long from = 0; from < length; from += partSize, number++) {
                RequestBody part = body(content, (int) from, (int) Math.min(partSize, length - from));
                int partNumber = number;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber), part).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
        } catch (RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (RuntimeException abort) {
                LOG.debugf("could not abort multipart upload %s of %s: %s", uploadId, key, abort.getMessage());
            }
            throw e;
        }
    }

    /** {@code length} bytes of the content from {@code from} (relative to its position), read in place on each attempt. */
    private static RequestBody body(ByteBuffer content, int from, int length) {
        ByteBuffer slice = content.slice(content.position() + from, length);
        return RequestBody.fromContentProvider(() -> inputStream(slice.duplicate()), length, CONTENT_TYPE);
    }

    private static InputStream inputStream(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            return new ByteArrayInputStream(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        return new ByteArrayInputStream(copy);
    }

    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
            if (token != null) {
                request.continuationToken(token);
            }
            ListObjectsV2Response response = s3.listObjectsV2(request.build());
            for (S3Object object : response.contents()) {
                keys.add(object.key());
            }
            token = Boolean.TRUE.equals(response.isTruncated()) ? response.nextContinuationToken() : null;
        } while (token != null);
        return keys;
    }
}
