package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.cohort.learning.data.TcgaBrca;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * TCGA-BRCA's six regions as six hospitals over real gRPC and mutual TLS, training the
 * discrete-time survival model (logistic hazards) with FedAvg on the published split: the study
 * completes and the published model ranks held-out patients better than chance (Harrell's C-index
 * above 0.5), in the clear and under patient-level DP, where the sites release no C-index. Skipped
 * where the shared data set is absent ({@code ../shared/datasets/fed-tcga-brca}).
 */
class SurvivalIntegrationTest {
    static final int ROUNDS = 3;

    static Path data() {
        var found = TcgaBrca.locateDataDirectory();
        assumeTrue(found.isPresent(), "TCGA-BRCA not found under shared/datasets/fed-tcga-brca; skipped");
        return found.get();
    }

    /** The published model's C-index on all held-out patients, measured as the demo does. */
    static Accuracies published(TestFederation fed, String studyId, JsonNode study, Path dir) throws Exception {
        Path parameters = dir.resolve("parameters.f32");
        fed.api
                .studies()
                .downloadParameters(studyId, study.get("currentVersion").asLong(), parameters);
        String config = fed.api.studies().modelConfig(studyId);
        return Baselines.evaluate(
                FinalModel.load(config, parameters),
                fed.data.preparedSites(),
                fed.data.sites().stream().map(DemoData.Site::name).toList());
    }

    @Test
    void sixRegionsTrainASurvivalModelThatBeatsChance(@TempDir Path dir) throws Exception {
        try (var fed = TestFederation.tcgaBrca(dir, data())) {
            String studyId = fed.createStudy(ROUNDS, 6, 120);
            fed.startAgents(studyId, 6);
            JsonNode study = fed.startAndAwaitEnd(studyId, 6, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");

            // Each site reports its C-index as half pairs: per site in [0, 1], pooled over within-site pairs.
            JsonNode evaluation = fed.finalEvaluation(studyId);
            assertThat(evaluation.get("accuracyBySite").size()).isEqualTo(6);
            evaluation
                    .get("accuracyBySite")
                    .forEach(c -> assertThat(c.asDouble()).isBetween(0.0, 1.0));
            double reported = evaluation.get("pooledAccuracy").asDouble();
            Accuracies measured = published(fed, studyId, study, dir);
            System.out.printf(
                    "TCGA-BRCA, %d rounds: C-index pooled %.3f (sites' within-site pairs %.3f), by region %s%n",
                    ROUNDS, measured.pooled(), reported, measured.bySite());
            assertThat(reported).isGreaterThan(0.5);
            assertThat(measured.pooled()).isGreaterThan(0.5);
        }
    }

    @Test
    void underPatientLevelDpTheSitesReleaseNoCIndex(@TempDir Path dir) throws Exception {
        try (var fed = TestFederation.tcgaBrca(dir, data())) {
            var privacy = PrivacySpec.patient(1.0)
                    .with("epsilonBudget", 1.0)
                    .with("calibrateAtSites", true)
                    .with("expectedBatchSize", 16)
                    .spec();
            String studyId = fed.createStudy(ROUNDS, 6, 180, Map.of("privacy", privacy.get("privacy")));
            JsonNode spec = fed.api.studies().get(studyId).get("spec");
            assertThat(spec.get("privacy").get("evaluationNoiseMultiplier").asDouble())
                    .isZero();
            fed.startAgents(studyId, 6);
            JsonNode study = fed.startAndAwaitEnd(studyId, 6, Duration.ofMinutes(5));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("evaluation").isNull()).as(r.toString()).isTrue();
                assertThat(r.get("trainLoss").isNull()).as(r.toString()).isTrue();
            }
            Accuracies measured = published(fed, studyId, study, dir);
            System.out.printf(
                    "TCGA-BRCA under patient-level DP (ε ≤ 1): C-index pooled %.3f, by region %s%n",
                    measured.pooled(), measured.bySite());
            // The published model is measured, not judged: at ε ≤ 1 over three rounds its C-index varies
            // from run to run with the noise (0.38 to 0.67 seen), so a threshold would make the test flaky.
            assertThat(measured.pooled()).isBetween(0.0, 1.0);
        }
    }
}
