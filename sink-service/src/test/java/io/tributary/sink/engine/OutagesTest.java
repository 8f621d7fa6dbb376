package io.tributary.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.vertx.redis.client.impl.types.ErrorType;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class OutagesTest {

    @Test
    void ioTimeoutsConnections5xxAndThrottlingAreOutages() {
        assertThat(Outages.isOutage(new UncheckedIOException(new IOException("reset")))).isTrue();
        assertThat(Outages.isOutage(new io.smallrye.mutiny.TimeoutException())).isTrue();
        assertThat(Outages.isOutage(new CompletionException(new ConnectException("refused")))).isTrue();
        assertThat(Outages.isOutage(SdkClientException.create("Unable to execute HTTP request"))).isTrue();
        assertThat(Outages.isOutage(S3Exception.builder().statusCode(503).message("Slow Down").build())).isTrue();
        assertThat(Outages.isOutage(S3Exception.builder().statusCode(429).build())).isTrue();
        assertThat(Outages.isOutage(new CompletionException(ErrorType.create("CONNECTION_CLOSED")))).isTrue();
        assertThat(Outages.isOutage(new CompletionException(ErrorType.create("LOADING Redis is loading the dataset")))).isTrue();
        assertThat(Outages.isOutage(new IllegalStateException("Connection is closed"))).isTrue();
    }

    @Test
    void otherErrorsAreNot() {
        assertThat(Outages.isOutage(S3Exception.builder().statusCode(403).message("Access Denied").build())).isFalse();
        assertThat(Outages.isOutage(NoSuchBucketException.builder().statusCode(404).build())).isFalse();
        assertThat(Outages.isOutage(new CompletionException(ErrorType.create("ERR Error running script")))).isFalse();
        assertThat(Outages.isOutage(new NullPointerException())).isFalse();
        assertThat(Outages.isOutage(new IllegalArgumentException("cannot render"))).isFalse();
    }
}
