package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.cohort.agent.LedgerCrossCheck.LocalSend;
import org.cohort.protocol.v1.LedgerEntry;
import org.junit.jupiter.api.Test;

class LedgerCrossCheckTest {

    private static LedgerEntry charge(int round, double q, double sigma, long steps) {
        return LedgerEntry.newBuilder().setRoundNumber(round).setUnit("patient").setSamplingRate(q)
                .setNoiseMultiplier(sigma).setSteps(steps).build();
    }

    private static LocalSend sent(int round, double q, double sigma, long steps) {
        return new LocalSend(round, "patient", q, sigma, steps);
    }

    @Test
    void matchingRecordsAgree() {
        var r = LedgerCrossCheck.compare("st", List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50)),
                List.of(charge(1, 0.1, 1.5, 50), charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isTrue();
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void aChargeForARoundTheSiteNeverSentIsAMismatch() {
        var r = LedgerCrossCheck.compare("st", List.of(sent(1, 0.1, 1.5, 50)),
                List.of(charge(1, 0.1, 1.5, 50), charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isFalse();
        assertThat(r.mismatches()).singleElement().asString().contains("round 2", "no update of study st");
    }

    @Test
    void differentParametersAreAMismatch() {
        var r = LedgerCrossCheck.compare("st", List.of(sent(1, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.2, 50)));
        assertThat(r.mismatches()).singleElement().asString().contains("σ = 1.2");
        r = LedgerCrossCheck.compare("st", List.of(sent(1, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.5, 40)));
        assertThat(r.agrees()).isFalse();
    }

    @Test
    void aRoundChargedTwiceIsAMismatch() {
        var r = LedgerCrossCheck.compare("st", List.of(sent(1, 0.1, 1.5, 50), sent(1, 0.1, 1.5, 50)),
                List.of(charge(1, 0.1, 1.5, 50), charge(1, 0.1, 1.5, 50)));
        assertThat(r.mismatches()).anySatisfy(m -> assertThat(m).contains("more than once"));
    }

    @Test
    void anUnchargedRetryIsOnlyANoteAndTheOpenRoundIsNothing() {
        // Round 1 failed (sent, not charged), round 2 charged, round 3 still open.
        var r = LedgerCrossCheck.compare("st", List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50),
                sent(3, 0.1, 1.5, 50)), List.of(charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isTrue();
        assertThat(r.notes()).singleElement().asString().contains("round 1");
    }
}
