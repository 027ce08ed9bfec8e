package org.cohort.coordinator.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.cohort.coordinator.ledger.TestDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

class SiteDeclarationsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T09:00:00Z"), ZoneOffset.UTC);
    private final JdbcClient jdbc = JdbcClient.create(TestDatabase.inMemory());

    @Test
    void theFirstDeclarationStandsForTheWholeStudyAndALargerOneLaterIsRefused() {
        var declarations = new SiteDeclarations(jdbc, CLOCK);
        var first = declarations.pin("site-a", Map.of("st-1", 240L), Set.of("st-1")::contains);
        assertThat(first.kept()).containsExactly(Map.entry("st-1", 240L));
        assertThat(first.refusals()).isEmpty();

        // Reconnecting with a much larger weight, as a site trying to own the step would.
        var later =
                new SiteDeclarations(jdbc, CLOCK).pin("site-a", Map.of("st-1", 1_000_000L), Set.of("st-1")::contains);
        assertThat(later.kept()).isEmpty();
        assertThat(later.refusals())
                .singleElement()
                .asString()
                .contains(
                        "declared 240 training examples when it first accepted",
                        "now declares 1000000",
                        "study.st-1.training-examples=240");

        // Repeating the pin is fine; other sites and studies have pins of their own.
        assertThat(declarations
                        .pin("site-a", Map.of("st-1", 240L), Set.of("st-1")::contains)
                        .kept())
                .hasSize(1);
        assertThat(declarations
                        .pin("site-b", Map.of("st-1", 90L), Set.of("st-1")::contains)
                        .kept())
                .containsExactly(Map.entry("st-1", 90L));
    }

    @Test
    void aStudyNotCreatedYetIsKeptUnpinnedUntilItExists() {
        var declarations = new SiteDeclarations(jdbc, CLOCK);
        assertThat(declarations
                        .pin("site-a", Map.of("st-9", 5L), study -> false)
                        .kept())
                .containsExactly(Map.entry("st-9", 5L));
        assertThat(declarations.pin("site-a", Map.of("st-9", 7L), study -> true).kept())
                .containsExactly(Map.entry("st-9", 7L));
    }
}
