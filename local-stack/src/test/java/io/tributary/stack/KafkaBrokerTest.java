package io.tributary.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

    @Test
    void clusterIdsNeverLookLikeAnOption() {
        // about one random id in 64 starts with '-': 5,000 draws all but surely meet some
        for (int i = 0; i < 5_000; i++) {
            assertThat(KafkaBroker.newClusterId()).hasSize(22).doesNotStartWith("-");
        }
    }
}
