package org.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.junit.jupiter.api.Test;

class StudyTermsTest {
    private static final PrivacyPlan PATIENT = PrivacyPlan.newBuilder()
            .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
            .setClipNorm(1.0)
            .setNoiseMultiplier(1.5)
            .setExpectedBatchSize(32)
            .setDelta(1e-5)
            .setEpsilonBudget(1.0)
            .setAccountant(org.cohort.protocol.v1.Accountant.ACCOUNTANT_RDP)
            .setStudyRounds(10)
            .setSecureAggregation(true)
            .setMaxSiteExamples(10_000)
            .setEvaluationNoiseMultiplier(8)
            .build();
    private static final DatasetSpec DATASET = DatasetSpec.newBuilder()
            .setFormat("csv")
            .setLabelColumn("num")
            .setPositiveAbove(0.5)
            .setTestFraction(0.25)
            .setSplitSeed(7)
            .addFeatures(FeatureColumnSpec.newBuilder()
                    .setName("age")
                    .setHasScaling(true)
                    .setCenter(54)
                    .setScale(9))
            .build();

    /** Computed independently (Python's hashlib over the string below): coordinator and agents must agree. */
    @Test
    void canonicalFormAndDigestMatchTheTestVector() {
        var terms = StudyTerms.of(PATIENT, DATASET);
        // The dataset digest was computed independently too: DatasetSpec's fields encoded by hand in Python.
        assertThat(terms.canonicalJson())
                .isEqualTo(
                        "{\"accountant\":\"rdp\",\"calibrateAtSite\":false,\"clipNorm\":1.0,"
                                + "\"dataset\":\"sha256\\u003ac3276630deec687d2602d9a586c549897d8f499eb609d39d69260fb4d4fc59b6\","
                                + "\"delta\":1.0E-5,\"epsilonBudget\":1.0,\"evaluationNoiseMultiplier\":8.0,\"expectedBatchSize\":32,"
                                + "\"format\":\"cohort.v1.StudyTerms/3\",\"maxSiteExamples\":10000,\"mode\":\"patient\","
                                + "\"noiseMultiplier\":1.5,\"secureAggregation\":true,\"studyRounds\":10,\"unit\":\"patient\"}");
        assertThat(terms.digest()).isEqualTo("sha256:f00a8c628fb9929ee83f6547c0a1e7d97f2866237ff690797150264114480f24");
        assertThat(StudyTerms.isDigest(terms.digest())).isTrue();
    }

    @Test
    void everyTermOfThePlanChangesTheDigestAndIsNamed() {
        var pinned = StudyTerms.of(PATIENT, DATASET);
        var changes = java.util.List.of(
                PATIENT.toBuilder().setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_NONE),
                        PATIENT.toBuilder().setClipNorm(2),
                PATIENT.toBuilder().setNoiseMultiplier(0.1), PATIENT.toBuilder().setExpectedBatchSize(64),
                PATIENT.toBuilder().setDelta(1e-3), PATIENT.toBuilder().setEpsilonBudget(10),
                PATIENT.toBuilder().setAccountant(org.cohort.protocol.v1.Accountant.ACCOUNTANT_PLD),
                        PATIENT.toBuilder().setCalibrateAtSite(true),
                PATIENT.toBuilder().setStudyRounds(1), PATIENT.toBuilder().setSecureAggregation(false),
                PATIENT.toBuilder().setMaxSiteExamples(1_000_000),
                        PATIENT.toBuilder().setEvaluationNoiseMultiplier(0.5));
        for (var changed : changes) {
            var now = StudyTerms.of(changed.build(), DATASET);
            assertThat(now.digest()).isNotEqualTo(pinned.digest());
            assertThat(pinned.differences(now)).isNotEmpty();
        }
        assertThat(pinned.differences(StudyTerms.of(
                        PATIENT.toBuilder()
                                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE)
                                .build(),
                        DATASET)))
                .containsExactly("mode: pinned \"patient\", now \"site\"", "unit: pinned \"patient\", now \"site\"");
        assertThat(pinned.differences(StudyTerms.of(
                        PATIENT.toBuilder().setNoiseMultiplier(0.3).build(), DATASET)))
                .containsExactly("noiseMultiplier: pinned 1.5, now 0.3");
    }

    @Test
    void theDatasetIsATermSoTheHeldOutSetCannotBeAimedAtChosenPatients() {
        var pinned = StudyTerms.of(PATIENT, DATASET);
        var changes = java.util.List.of(
                DATASET.toBuilder().setIdColumn("patient_id").addTestIds("p-0017"),
                DATASET.toBuilder().setSplitSeed(8),
                DATASET.toBuilder().setTestFraction(0.9),
                DATASET.toBuilder().setLabelColumn("age"),
                DATASET.toBuilder().setPositiveAbove(2),
                DATASET.toBuilder()
                        .setFeatures(0, DATASET.getFeatures(0).toBuilder().setScale(1)));
        for (var changed : changes) {
            var now = StudyTerms.of(PATIENT, changed.build());
            assertThat(pinned.differences(now)).singleElement().asString().startsWith("dataset: pinned \"sha256");
        }
        // The site's own declared size is written by its agent and is not a term.
        assertThat(StudyTerms.of(
                        PATIENT.toBuilder().setDeclaredTrainingExamples(225).build(), DATASET))
                .isEqualTo(pinned);
    }

    @Test
    void readsBackItsCanonicalFormAndNothingElse() {
        var base = StudyTerms.of(PATIENT, DATASET);
        // A mode no enum can carry, to exercise the escaping of the canonical form directly.
        var odd = new StudyTerms(
                "pa\"tient,\"x\":1",
                -0.0,
                Double.NaN,
                base.expectedBatchSize(),
                base.delta(),
                base.epsilonBudget(),
                base.accountant(),
                base.calibrateAtSite(),
                base.studyRounds(),
                base.secureAggregation(),
                base.maxSiteExamples(),
                base.evaluationNoiseMultiplier(),
                base.dataset());
        for (var terms : java.util.List.of(StudyTerms.of(PATIENT, DATASET), odd)) {
            assertThat(StudyTerms.parse(terms.canonicalJson())).isEqualTo(terms);
        }
        assertThat(odd.canonicalJson())
                .contains(
                        "\"clipNorm\":0.0",
                        "\"noiseMultiplier\":\"NaN\"",
                        "\"mode\":\"pa\\u0022tient\\u002c\\u0022x\\u0022\\u003a1\"");
        String canonical = StudyTerms.of(PATIENT, DATASET).canonicalJson();
        for (String bad : java.util.List.of(
                canonical.replace(",", ", "),
                canonical.replace("1.5", "1.50"),
                canonical.replace("{", "{\"extra\":1,"),
                canonical.substring(1),
                "{}")) {
            assertThatThrownBy(() -> StudyTerms.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("canonical form");
        }
    }
}
