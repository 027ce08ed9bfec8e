package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RingWidthTest {
    private static StudySpec spec(Integer ringBits, boolean secure, Integer minSites, StudySpec.Privacy privacy) {
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "outcome", null, null, null);
        return new StudySpec(
                null,
                null,
                null,
                dataset,
                null,
                minSites,
                null,
                null,
                null,
                privacy,
                new StudySpec.SecureAggregation(secure, null, null, null, null, ringBits),
                null);
    }

    @Test
    void sixteenBitsWhenAskedAndEachOfTheRoundsSitesKeepsAtLeast127Levels() {
        var narrow = spec(16, true, 3, null);
        assertThat(RingWidth.problems(narrow)).isEmpty();
        assertThat(RingWidth.bits(narrow, 3)).isEqualTo(16);
        assertThat(RingWidth.MAX_NARROW_SITES).isEqualTo(258);
        assertThat(RingWidth.bits(narrow, 258)).isEqualTo(16);
        assertThat(RingWidth.bits(narrow, 259))
                .as("too many sites: this round falls back")
                .isEqualTo(32);
        assertThat(RingWidth.bits(spec(null, true, 3, null), 3)).isEqualTo(32);
        assertThat(RingWidth.bits(spec(32, true, 3, null), 3)).isEqualTo(32);
    }

    @Test
    void refusesAWidthOtherThan16Or32() {
        assertThat(RingWidth.problems(spec(24, true, 3, null)))
                .containsExactly("secureAggregation.ringBits must be 32 (the default) or 16, got 24");
    }

    @Test
    void refusesSixteenBitsWhenNoRoundCouldKeepTheBound() {
        assertThat(RingWidth.problems(spec(16, true, 300, null)))
                .singleElement()
                .asString()
                .contains("at least minSites 300")
                .contains("n·L < 2^15");
    }

    @Test
    void refusesSixteenBitsWithSiteLevelDpOrWithoutSecureAggregation() {
        var site = new StudySpec.Privacy(
                org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 10.0, null, null, null);
        assertThat(RingWidth.problems(spec(16, true, 3, site)))
                .singleElement()
                .asString()
                .contains("site-level DP's distributed noise");
        assertThat(RingWidth.bits(spec(16, true, 3, site), 3)).isEqualTo(32);
        assertThat(RingWidth.problems(spec(16, false, 3, null)))
                .containsExactly("secureAggregation.ringBits applies only with secureAggregation.enabled true");
    }
}
