package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentRoundsTest {

    @Test
    void aRoundIdIsTakenOnceWhateverArrivesBetween() {
        var rounds = new RecentRounds(4);
        assertThat(rounds.add("rd-a")).isTrue();
        assertThat(rounds.add("rd-other-study")).isTrue();
        assertThat(rounds.add("rd-a"))
                .as("the same task sent again before it ran")
                .isFalse();
    }

    @Test
    void theOldestAreForgottenBeyondCapacity() {
        var rounds = new RecentRounds(2);
        rounds.add("rd-1");
        rounds.add("rd-2");
        rounds.add("rd-3");
        assertThat(rounds.add("rd-1")).isTrue();
        assertThat(rounds.add("rd-3")).isFalse();
    }
}
