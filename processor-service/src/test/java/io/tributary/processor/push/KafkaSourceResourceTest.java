package io.tributary.processor.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tributary.processor.messaging.ChangeRecord;
import io.tributary.support.KafkaSourceEvent;

class KafkaSourceResourceTest {

    @Test
    void theChangeRecordIsReadBackFromTheKafkaSourceAttributes() {
        byte[] avroKey = { 0, 0, 0, 0, 0, 0, 0, 0, 7, 2 };
        Map<String, String> headers = new HashMap<>();
        headers.put("Ce-Specversion", "1.0");
        headers.put("Ce-Id", "partition:2/offset:42");
        headers.put("Ce-Source", "/apis/v1/namespaces/tributary/kafkasources/processor#tributary.public.customers");
        headers.put("Ce-Type", "dev.knative.kafka.event");
        // the deployed KafkaSources use key type byte-array: the key arrives Base64
        headers.put("Ce-Key", Base64.getEncoder().encodeToString(avroKey));
        headers.put("Ce-Kafkaheadertraceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        ChangeRecord record = KafkaSourceResource.changeRecord(KafkaSourceEvent.of(headers, new byte[] { 0, 1, 2 }));

        assertThat(record.topic()).isEqualTo("tributary.public.customers");
        assertThat(record.partition()).isEqualTo(2);
        assertThat(record.offset()).isEqualTo(42);
        assertThat(record.key()).isEqualTo(avroKey);
        assertThat(record.value()).containsExactly(0, 1, 2);
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .startsWith("00-0af7651916cd43dd8448eb211c80319c");
    }
}
