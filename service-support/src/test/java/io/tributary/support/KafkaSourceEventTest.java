package io.tributary.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class KafkaSourceEventTest {

    private static Map<String, String> headers() {
        Map<String, String> headers = new HashMap<>();
        headers.put("Ce-Specversion", "1.0");
        headers.put("Ce-Id", "partition:3/offset:42");
        headers.put("Ce-Source", "/apis/v1/namespaces/prod/kafkasources/sink-views#tributary.view.customer_view");
        headers.put("Ce-Type", "dev.knative.kafka.event");
        headers.put("Ce-Subject", "partition:3#42");
        headers.put("Ce-Key", "AAAAAAAAAAEC");
        headers.put("Ce-Kafkaheadertraceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        return headers;
    }

    @Test
    void readsTopicPartitionOffsetKeyAndHeaders() {
        KafkaSourceEvent event = KafkaSourceEvent.of(headers(), new byte[] { 0, 1 });
        assertThat(event.topic()).isEqualTo("tributary.view.customer_view");
        assertThat(event.partition()).isEqualTo(3);
        assertThat(event.offset()).isEqualTo(42);
        assertThat(event.keyBytes()).hasSize(9);
        assertThat(event.kafkaHeaders()).containsKey("traceparent");
        assertThat(event.value()).containsExactly(0, 1);
    }

    @Test
    void aTextKeyThatIsNoBase64StaysText() {
        Map<String, String> text = headers();
        text.put("Ce-Key", "{\"id\":1}");
        assertThat(new String(KafkaSourceEvent.of(text, new byte[1]).keyBytes(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":1}");
    }

    @Test
    void multiValuedHttpHeadersTakeTheFirstValue() {
        Map<String, java.util.List<String>> multi = new HashMap<>();
        headers().forEach((name, value) -> multi.put(name, java.util.List.of(value, "ignored")));
        assertThat(KafkaSourceEvent.fromHttp(multi, new byte[1]).offset()).isEqualTo(42);
    }

    @Test
    void aTombstoneHasNoValue() {
        assertThat(KafkaSourceEvent.of(headers(), new byte[0]).value()).isNull();
    }

    @Test
    void refusesWhatIsNotAKafkaSourceEvent() {
        Map<String, String> noId = headers();
        noId.remove("Ce-Id");
        assertThatThrownBy(() -> KafkaSourceEvent.of(noId, new byte[1])).hasMessageContaining("ce-id is missing");
        Map<String, String> type = headers();
        type.put("Ce-Type", "com.example.other");
        assertThatThrownBy(() -> KafkaSourceEvent.of(type, new byte[1])).hasMessageContaining("dev.knative.kafka.event");
        Map<String, String> source = headers();
        source.put("Ce-Source", "/apis/v1/namespaces/prod/pingsources/p");
        assertThatThrownBy(() -> KafkaSourceEvent.of(source, new byte[1])).hasMessageContaining("kafkasources");
        Map<String, String> subject = headers();
        subject.put("Ce-Subject", "partition:3#41");
        assertThatThrownBy(() -> KafkaSourceEvent.of(subject, new byte[1])).hasMessageContaining("does not match");
        Map<String, String> spec03 = headers();
        spec03.put("Ce-Specversion", "0.3");
        assertThatThrownBy(() -> KafkaSourceEvent.of(spec03, new byte[1])).isInstanceOf(KafkaSourceEvent.InvalidEvent.class)
                .hasMessageContaining("ce-specversion");
        Map<String, String> id = headers();
        id.put("Ce-Id", "abc");
        assertThatThrownBy(() -> KafkaSourceEvent.of(id, new byte[1])).hasMessageContaining("partition:<partition>/offset:<offset>");
    }
}
