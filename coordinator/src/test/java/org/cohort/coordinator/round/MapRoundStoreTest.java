package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The round store's compare-and-set rules, which keep a site from being counted twice. */
class MapRoundStoreTest {
    private final MapRoundStore store = MapRoundStore.inMemory();

    private static RoundState round(String roundId, String studyId) {
        return RoundState.builder()
                .roundId(roundId)
                .studyId(studyId)
                .roundNumber(1)
                .baseVersion(1)
                .nonce(new byte[32])
                .selected(Set.of("a"))
                .minSites(1)
                .startedAt(Instant.EPOCH)
                .deadline(Instant.EPOCH)
                .build();
    }

    @Test
    void aClaimIsOnlyTakenFromItsHolder() {
        assertThat(store.claim("r", "a", "m1")).isNull();
        assertThat(store.claim("r", "a", "m2")).as("held: nothing changes").isEqualTo("m1");
        assertThat(store.moveClaim("r", "a", "m2", "m3")).isFalse();
        assertThat(store.moveClaim("r", "a", "m1", "m2")).isTrue();
        store.releaseClaim("r", "a", "m1");
        assertThat(store.claimHolder("r", "a"))
                .as("released only by its holder")
                .isEqualTo("m2");
        store.deleteClaim("r", "a");
        assertThat(store.claimHolder("r", "a")).isNull();
    }

    @Test
    void aStudyMovedOnToAnotherAttemptKeepsIt() {
        RoundState first = round("r1", "st");
        RoundState second = round("r2", "st");
        store.activate(first);
        store.activate(second);

        store.deactivate(first);
        assertThat(store.activeRoundId("st")).isEqualTo("r2");
        store.forgetActive("r2");
        assertThat(store.activeRoundIds()).isEmpty();
    }

    @Test
    void theMaskedInputRosterIsACopy() {
        var roster = new java.util.HashMap<>(Map.of("a", 0));
        store.openMaskedInput("r", roster);
        roster.put("b", 1);
        assertThat(store.maskedInputRoster("r")).containsOnlyKeys("a");
        store.closeMaskedInput("r");
        assertThat(store.maskedInputRoster("r")).isNull();
    }
}
