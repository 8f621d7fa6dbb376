package io.tributary.sink.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.tributary.sink.config.SinkSettings;
import io.tributary.sink.testing.Lake;
import io.tributary.stack.S3ProxyServer;
import io.tributary.testsupport.TestServices;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** PutObject, multipart upload and listing against a real S3 API (S3Proxy). */
class S3ObjectStoreIT {

    private static S3Client s3;
    private static Lake lake;

    @BeforeAll
    static void connect() {
        TestServices services = TestServices.shared();
        s3 = S3Client.builder().endpointOverride(URI.create(services.s3().endpoint())).forcePathStyle(true)
                .region(Region.of(S3ProxyServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create()).build();
        lake = new Lake(services);
    }

    @AfterAll
    static void close() {
        s3.close();
        lake.close();
    }

    @Test
    void smallFilesArePutAndLargeOnesUploadedInPartsAndBothReadBackWhole() {
        String prefix = "it-store-" + UUID.randomUUID() + "/";
        ObjectStore store = new S3ObjectStore(s3, Lake.BUCKET, SinkSettings.MIN_PART_SIZE, SinkSettings.MIN_PART_SIZE);
        byte[] small = new byte[1000];
        byte[] large = new byte[(int) (2.5 * SinkSettings.MIN_PART_SIZE)];
        new Random(7).nextBytes(small);
        new Random(8).nextBytes(large);

        store.put(prefix + "t+0+0-9.parquet", ByteBuffer.wrap(small));
        store.put(prefix + "t+0+10-99.parquet", ByteBuffer.wrap(large));
        // a redelivered roll rewrites the same object; the bytes are read from the buffer's position, in place
        byte[] padded = new byte[large.length + 10];
        System.arraycopy(large, 0, padded, 3, large.length);
        store.put(prefix + "t+0+10-99.parquet", ByteBuffer.wrap(padded, 3, large.length));

        assertThat(store.list(prefix)).containsExactlyInAnyOrder(prefix + "t+0+0-9.parquet", prefix + "t+0+10-99.parquet");
        assertThat(lake.bytes(prefix + "t+0+0-9.parquet")).isEqualTo(small);
        assertThat(lake.bytes(prefix + "t+0+10-99.parquet")).isEqualTo(large);
        assertThat(store.list(prefix + "t+1+")).isEmpty();
    }
}
