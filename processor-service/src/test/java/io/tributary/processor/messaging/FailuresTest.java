package io.tributary.processor.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class FailuresTest {

    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anUnreachableRegistryIsTransientNotPoison() throws IOException {
        try (AvroDecoder decoder = new AvroDecoder("http://127.0.0.1:" + closedPort() + "/apis/registry/v3")) {
            // magic byte 0 + content id 7 + a body: well-formed, but the schema cannot be fetched
            byte[] record = {0, 0, 0, 0, 7, 2, 4, 6};
            Throwable failure = catchThrowable(() -> decoder.value("tributary.public.customers", new RecordHeaders(), record));
            assertThat(failure).isNotNull();
            assertThat(Failures.isTransient(failure)).as("%s", failure).isTrue();
        }
    }

    @Test
    void bytesThatAreNotAvroArePoison() throws IOException {
        try (AvroDecoder decoder = new AvroDecoder("http://127.0.0.1:" + closedPort() + "/apis/registry/v3")) {
            Throwable failure = catchThrowable(() -> decoder.value("tributary.public.customers", new RecordHeaders(),
                    "this is not avro".getBytes(StandardCharsets.UTF_8)));
            assertThat(failure).isNotNull();
            assertThat(Failures.isTransient(failure)).as("%s", failure).isFalse();
        }
    }
}
