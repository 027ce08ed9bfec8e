package org.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.protocol.v1.PrivacyPlan;
import org.junit.jupiter.api.Test;

class StudyTermsTest {
    private static final PrivacyPlan PATIENT = PrivacyPlan.newBuilder().setMode("patient").setClipNorm(1.0)
            .setNoiseMultiplier(1.5).setExpectedBatchSize(32).setDelta(1e-5).setEpsilonBudget(1.0).setAccountant("rdp")
            .setStudyRounds(10).setSecureAggregation(true).setMaxSiteExamples(10_000).build();

    /** Computed independently (Python's hashlib over the string below): coordinator and agents must agree. */
    @Test
    void canonicalFormAndDigestMatchTheTestVector() {
        var terms = StudyTerms.of(PATIENT);
        assertThat(terms.canonicalJson()).isEqualTo("{\"accountant\":\"rdp\",\"calibrateAtSite\":false,\"clipNorm\":1.0,"
                + "\"delta\":1.0E-5,\"epsilonBudget\":1.0,\"expectedBatchSize\":32,\"format\":\"cohort.v1.StudyTerms/2\","
                + "\"maxSiteExamples\":10000,\"mode\":\"patient\",\"noiseMultiplier\":1.5,\"secureAggregation\":true,\"studyRounds\":10,"
                + "\"unit\":\"patient\"}");
        assertThat(terms.digest()).isEqualTo("sha256:5a4bc12cd88b0716274bff32ea33aa368d4f818989576beffe86ca5c80ade7a4");
        assertThat(StudyTerms.isDigest(terms.digest())).isTrue();
    }

    @Test
    void everyTermOfThePlanChangesTheDigestAndIsNamed() {
        var pinned = StudyTerms.of(PATIENT);
        var changes = java.util.List.of(
                PATIENT.toBuilder().setMode("none"), PATIENT.toBuilder().setClipNorm(2),
                PATIENT.toBuilder().setNoiseMultiplier(0.1), PATIENT.toBuilder().setExpectedBatchSize(64),
                PATIENT.toBuilder().setDelta(1e-3), PATIENT.toBuilder().setEpsilonBudget(10),
                PATIENT.toBuilder().setAccountant("pld"), PATIENT.toBuilder().setCalibrateAtSite(true),
                PATIENT.toBuilder().setStudyRounds(1), PATIENT.toBuilder().setSecureAggregation(false),
                PATIENT.toBuilder().setMaxSiteExamples(1_000_000));
        for (var changed : changes) {
            var now = StudyTerms.of(changed.build());
            assertThat(now.digest()).isNotEqualTo(pinned.digest());
            assertThat(pinned.differences(now)).isNotEmpty();
        }
        assertThat(pinned.differences(StudyTerms.of(PATIENT.toBuilder().setMode("site").build())))
                .containsExactly("mode: pinned \"patient\", now \"site\"", "unit: pinned \"patient\", now \"site\"");
        assertThat(pinned.differences(StudyTerms.of(PATIENT.toBuilder().setNoiseMultiplier(0.3).build())))
                .containsExactly("noiseMultiplier: pinned 1.5, now 0.3");
    }

    @Test
    void readsBackItsCanonicalFormAndNothingElse() {
        var odd = StudyTerms.of(PATIENT.toBuilder().setMode("pa\"tient,\"x\":1").setNoiseMultiplier(Double.NaN)
                .setClipNorm(-0.0).build());
        for (var terms : java.util.List.of(StudyTerms.of(PATIENT), odd)) {
            assertThat(StudyTerms.parse(terms.canonicalJson())).isEqualTo(terms);
        }
        assertThat(odd.canonicalJson()).contains("\"clipNorm\":0.0", "\"noiseMultiplier\":\"NaN\"",
                "\"mode\":\"pa\\u0022tient\\u002c\\u0022x\\u0022\\u003a1\"");
        String canonical = StudyTerms.of(PATIENT).canonicalJson();
        for (String bad : java.util.List.of(canonical.replace(",", ", "), canonical.replace("1.5", "1.50"),
                canonical.replace("{", "{\"extra\":1,"), canonical.substring(1), "{}")) {
            assertThatThrownBy(() -> StudyTerms.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("canonical form");
        }
    }
}
