package io.tributary.tools.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;

import io.tributary.tools.reconcile.ByteArrayInputFile;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Looks for the raw values of masked columns in every output of the pipeline. The workload writes emails
 * {@code user<n>@example.com|org} and phones {@code +1-555-<7 digits>}; masked columns become HMAC tokens or a
 * redaction constant, so a match in a view topic, the dead-letter topic, a Parquet row, a Redis value or a log line
 * is a leak. Each finding names where it was (never more than the first few).
 */
final class PiiScan {

    static final Pattern RAW = Pattern.compile("user\\d+@example\\.(com|org)|\\+1-555-\\d{7}");

    private final List<String> findings = new ArrayList<>();

    List<String> findings() {
        return findings;
    }

    private void scan(String where, String text) {
        Matcher m = RAW.matcher(text);
        if (m.find() && findings.size() < 20) {
            findings.add(where + ": " + m.group());
        }
    }

    /** Kafka records, key, value and headers as bytes (Avro strings are UTF-8 in the binary encoding). */
    int kafka(String topic, List<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String where = topic + "-" + r.partition() + "@" + r.offset();
            if (r.key() != null) {
                scan(where + " key", new String(r.key(), StandardCharsets.ISO_8859_1));
            }
            if (r.value() != null) {
                scan(where + " value", new String(r.value(), StandardCharsets.ISO_8859_1));
            }
            r.headers().forEach(h -> scan(where + " header " + h.key(), new String(h.value(), StandardCharsets.ISO_8859_1)));
        }
        return records.size();
    }

    /** Every row of every Parquet object of the bucket, decoded (the pages are compressed). Returns the rows read. */
    long lake(S3Client s3, String bucket) throws Exception {
        long rows = 0;
        List<S3Object> objects = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().forEach(objects::add);
        for (S3Object object : objects) {
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asByteArray();
            if (!object.key().endsWith(".parquet")) {
                scan("s3://" + bucket + "/" + object.key(), new String(bytes, StandardCharsets.ISO_8859_1));
                continue;
            }
            var conf = new PlainParquetConfiguration();
            conf.setBoolean(AvroReadSupport.READ_INT96_AS_FIXED, true);
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new ByteArrayInputFile(bytes), conf)
                    .withDataModel(GenericData.get()).build()) {
                for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
                    scan("s3://" + bucket + "/" + object.key(), row.toString());
                    rows++;
                }
            }
        }
        return rows;
    }

    /** Every key and value of Redis (strings, hashes, sets, lists). Returns the keys read. */
    long redis(RedisOptions options) throws Exception {
        Vertx vertx = Vertx.vertx();
        long keys = 0;
        try {
            RedisConnection redis = Redis.createClient(vertx, options).connect().toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            try {
                String cursor = "0";
                do {
                    Response page = send(redis, Request.cmd(Command.SCAN).arg(cursor).arg("COUNT").arg(1000));
                    cursor = page.get(0).toString();
                    for (Response k : page.get(1)) {
                        String key = k.toString();
                        keys++;
                        scan("redis key", key);
                        String type = send(redis, Request.cmd(Command.TYPE).arg(key)).toString();
                        Response value = switch (type) {
                            case "string" -> send(redis, Request.cmd(Command.GET).arg(key));
                            case "hash" -> send(redis, Request.cmd(Command.HGETALL).arg(key));
                            case "set" -> send(redis, Request.cmd(Command.SMEMBERS).arg(key));
                            case "list" -> send(redis, Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1));
                            case "zset" -> send(redis, Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1));
                            default -> null;
                        };
                        if (value != null) {
                            scan("redis " + key, value.toString());
                        }
                    }
                } while (!"0".equals(cursor));
            } finally {
                redis.close();
            }
        } finally {
            vertx.close();
        }
        return keys;
    }

    private static Response send(RedisConnection redis, Request request) throws Exception {
        return redis.send(request).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Every line of a log file. */
    void log(Path file) throws Exception {
        try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            lines.forEach(line -> scan(file.getFileName().toString(), line));
        }
    }
}
