package io.tributary.processor.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tributary.processor.messaging.ChangeRecord;

class KafkaSourceEventTest {

    static Map<String, List<String>> headers() {
        Map<String, List<String>> headers = new HashMap<>();
        headers.put("Ce-Specversion", List.of("1.0"));
        headers.put("Ce-Id", List.of("partition:2/offset:42"));
        headers.put("Ce-Source", List.of("/apis/v1/namespaces/tributary/kafkasources/processor#tributary.public.customers"));
        headers.put("Ce-Type", List.of("dev.knative.kafka.event"));
        headers.put("Ce-Subject", List.of("partition:2#42"));
        headers.put("Ce-Key", List.of("{\"id\":1}"));
        headers.put("Ce-Kafkaheadertraceparent", List.of("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        return headers;
    }

    @Test
    void recordIsReadBackFromTheKafkaSourceAttributes() {
        ChangeRecord record = KafkaSourceEvent.parse(headers(), new byte[] { 0, 1, 2 });
        assertThat(record.topic()).isEqualTo("tributary.public.customers");
        assertThat(record.partition()).isEqualTo(2);
        assertThat(record.offset()).isEqualTo(42);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}");
        assertThat(record.value()).containsExactly(0, 1, 2);
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .startsWith("00-0af7651916cd43dd8448eb211c80319c");
    }

    @Test
    void emptyBodyIsATombstone() {
        assertThat(KafkaSourceEvent.parse(headers(), new byte[0]).value()).isNull();
    }

    @Test
    void whatIsNotAKafkaSourceEventIsRejectedSayingWhy() {
        Map<String, List<String>> noId = headers();
        noId.remove("Ce-Id");
        assertThatThrownBy(() -> KafkaSourceEvent.parse(noId, new byte[1])).hasMessageContaining("missing header ce-id");

        Map<String, List<String>> badId = headers();
        badId.put("Ce-Id", List.of("b2c4f7"));
        assertThatThrownBy(() -> KafkaSourceEvent.parse(badId, new byte[1])).hasMessageContaining("partition:<p>/offset:<o>");

        Map<String, List<String>> noTopic = headers();
        noTopic.put("Ce-Source", List.of("/apis/v1/namespaces/tributary/pingsources/p"));
        assertThatThrownBy(() -> KafkaSourceEvent.parse(noTopic, new byte[1])).hasMessageContaining("does not name a topic");

        Map<String, List<String>> spec03 = headers();
        spec03.put("Ce-Specversion", List.of("0.3"));
        assertThatThrownBy(() -> KafkaSourceEvent.parse(spec03, new byte[1])).hasMessageContaining("ce-specversion");
    }
}
