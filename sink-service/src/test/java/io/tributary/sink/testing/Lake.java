package io.tributary.sink.testing;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.avro.generic.GenericRecord;

import io.tributary.stack.S3ProxyServer;
import io.tributary.testsupport.TestServices;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads the lake (bucket {@code lake} of the test S3Proxy) back. */
public final class Lake implements AutoCloseable {

    public static final String BUCKET = "lake";

    private final S3Client s3;

    public Lake(TestServices services) {
        this.s3 = S3Client.builder()
                .endpointOverride(URI.create(services.s3().endpoint()))
                .forcePathStyle(true)
                .region(Region.of(S3ProxyServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** Keys under a prefix, sorted. */
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream().map(S3Object::key).forEach(keys::add);
        return keys.stream().sorted().toList();
    }

    public byte[] bytes(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    /** Every object under a prefix with its bytes. */
    public Map<String, byte[]> objects(String prefix) {
        Map<String, byte[]> objects = new TreeMap<>();
        for (String key : keys(prefix)) {
            try {
                objects.put(key, bytes(key));
            } catch (NoSuchKeyException e) {
                // S3Proxy's filesystem provider writes next to the final file under a temporary name that a listing can show
            }
        }
        return objects;
    }

    /** Every row of every object under a prefix, by object key. */
    public Map<String, List<GenericRecord>> rows(String prefix) {
        Map<String, List<GenericRecord>> rows = new TreeMap<>();
        objects(prefix).forEach((key, bytes) -> rows.put(key, ParquetFiles.read(bytes)));
        return rows;
    }

    /** How many times each event id occurs across the objects under a prefix. */
    public Map<String, Integer> eventIdCounts(String prefix) {
        Map<String, Integer> counts = new HashMap<>();
        rows(prefix).values().forEach(list -> list.forEach(row -> counts.merge(row.get("_event_id").toString(), 1, Integer::sum)));
        return counts;
    }

    @Override
    public void close() {
        s3.close();
    }
}
