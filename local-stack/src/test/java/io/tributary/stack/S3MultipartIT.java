package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/** The stack's S3 API: the bucket exists, a multipart upload reads back byte-identical, requests are signed. */
class S3MultipartIT {

    @TempDir
    static Path dir;
    static S3ProxyServer s3;
    static S3Client client;

    @BeforeAll
    static void start() {
        s3 = new S3ProxyServer(dir.resolve("s3"), Processes.freePort(), List.of("lake"), StackLayout.discover());
        s3.start();
        client = client(S3ProxyServer.SECRET_KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        s3.stop();
    }

    static S3Client client(String secret) {
        return S3Client.builder()
                .endpointOverride(URI.create(s3.endpoint()))
                .forcePathStyle(true)
                .region(Region.of(S3ProxyServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, secret)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Test
    void multipartUploadReadsBackByteIdentical() throws Exception {
        byte[] data = new byte[11 * 1024 * 1024 + 123];
        new Random(7).nextBytes(data);
        String key = "it/multipart.bin";
        int partSize = 5 * 1024 * 1024;

        String uploadId = client.createMultipartUpload(b -> b.bucket("lake").key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int part = 1, offset = 0; offset < data.length; part++, offset += partSize) {
            byte[] chunk = Arrays.copyOfRange(data, offset, Math.min(data.length, offset + partSize));
            int number = part;
            UploadPartResponse response = client.uploadPart(b -> b.bucket("lake").key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromBytes(chunk));
            parts.add(CompletedPart.builder().partNumber(number).eTag(response.eTag()).build());
        }
        assertThat(parts).hasSize(3);
        client.completeMultipartUpload(b -> b.bucket("lake").key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));

        byte[] read = client.getObjectAsBytes(b -> b.bucket("lake").key(key)).asByteArray();
        assertThat(read.length).isEqualTo(data.length);
        assertThat(sha256(read)).isEqualTo(sha256(data));
    }

    @Test
    void requestsWithAWrongSecretAreRefused() {
        try (S3Client wrong = client("not-the-secret")) {
            try {
                wrong.listObjectsV2(b -> b.bucket("lake"));
                throw new AssertionError("a request signed with a wrong secret was accepted");
            } catch (S3Exception e) {
                assertThat(e.statusCode()).isEqualTo(403);
            }
        }
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
