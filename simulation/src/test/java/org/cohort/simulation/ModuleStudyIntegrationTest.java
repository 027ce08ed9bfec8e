package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.cohort.agent.PyTorchWorker;
import org.cohort.agent.SiteAgent;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A study that names a PyTorch module, end to end over real gRPC/mTLS: the coordinator knows the module by
 * name, digest and vector length only; each agent finds its copy in its module directory (pinned by the
 * study's SHA-256), trains its LoRA adapters through the reference PyTorch worker under patient-level
 * DP-SGD with secure aggregation, and evaluates the global model from the worker's predictions under the
 * same DP rules as any study. A site holding another file under the module's name refuses every task,
 * saying why without its paths. Skipped, saying why, where no PyTorch worker can run (failed instead with
 * {@code COHORT_REQUIRE_PYTORCH=1}, as in CI).
 */
class ModuleStudyIntegrationTest {
    private static final String NAME = "tiny-mlp";

    @Test
    void aStudyNamingAModuleTrainsItsAdaptersAtTheSitesThatHoldItAndRefusesASiteWithAnotherFile(@TempDir Path dir)
            throws Exception {
        var found = PyTorchWorker.findFor("ModuleStudyIntegrationTest");
        Assumptions.assumeTrue(found.present(), found::problem);
        List<String> worker = found.command();
        var json = JsonMapper.shared();
        try (var fed = new TestFederation(dir, 4)) {
            int width = fed.data.datasetSpec().getFeaturesList().stream()
                    .mapToInt(f -> Math.max(1, f.getLevelsCount()))
                    .sum();
            String args = ModuleStudies.mlpArgs(width);
            Path modules = dir.resolve("modules");
            Path otherModules = dir.resolve("other-modules");
            JsonNode written = json.readTree(ModuleStudies.write(worker, modules, NAME, args, 3));
            ModuleStudies.write(worker, otherModules, NAME, args, 4); // the same name, another base
            String sha256 = written.get("sha256").asString();
            long trainable = ModuleStudies.trainable(worker, modules, NAME, args, sha256, width);
            // layers.0 (width → 8): A [2, width] and B [8, 2]; the head (8 → 2) whole: 16 + 2.
            assertThat(trainable).isEqualTo(2L * width + 16 + 18);
            var extra = ModuleStudies.spec(NAME, sha256, trainable, 100);
            int rounds = 2;
            String studyId = fed.createStudy(rounds, 3, 180, extra);
            JsonNode model = fed.api.studies().models(studyId).get(0);
            assertThat(model.get("numParameters").asLong()).isEqualTo(trainable);

            // Secure aggregation needs at least three sites; the fourth holds another file (its worker never starts).
            var honest = List.of(
                    ModuleStudies.startAgent(fed, 0, studyId, worker, modules),
                    ModuleStudies.startAgent(fed, 1, studyId, worker, modules),
                    ModuleStudies.startAgent(fed, 2, studyId, worker, modules));
            SiteAgent other = ModuleStudies.startAgent(fed, 3, studyId, worker, otherModules);
            long started = System.nanoTime();
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(4));
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");

            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("COMPLETED");
                assertThat(r.get("reported").size()).as(r.toString()).isEqualTo(3);
                String refusal = r.get("dropped").get(other.siteId()).asString();
                assertThat(refusal)
                        .as(r.toString())
                        .startsWith("REFUSED")
                        .contains("MODEL_UNUSABLE")
                        .contains("this site's copy of module '" + NAME + "' is not the study's file")
                        .contains(sha256)
                        .doesNotContain(dir.toString());
            }
            // What the honest sites sent: the adapters and the head, nothing else, as float32 values.
            for (SiteAgent agent : honest) {
                var sent = PrivacyIntegrationTest.localUpdates(agent.ledgerFile(), studyId);
                assertThat(sent).hasSize(rounds);
                for (JsonNode update : sent) {
                    assertThat(update.get("values").asLong()).isEqualTo(trainable);
                }
            }
            assertThat(PrivacyIntegrationTest.localUpdates(other.ledgerFile(), studyId))
                    .isEmpty();
            assertThat(fed.api
                            .studies()
                            .models(studyId)
                            .get(rounds)
                            .get("numParameters")
                            .asLong())
                    .isEqualTo(trainable);

            // The held-out evaluation through the workers' predictions: noised score histograms, as for any
            // binary patient-level study, charged once per site.
            JsonNode last = fed.finalEvaluation(studyId);
            assertThat(last.get("release").asString()).contains("discrete Gaussian noise", "from score histograms");
            assertThat(last.get("scores").get("bySite").size()).isEqualTo(3);
            assertThat(last.get("scores").get("pooled").get("auroc").asDouble()).isBetween(0.0, 1.0);
            JsonNode privacy = fed.api.studies().privacy(studyId);
            assertThat(privacy.get("sites").size()).isEqualTo(3);
            for (JsonNode site : privacy.get("sites")) {
                assertThat(site.get("roundsCharged").asInt()).isEqualTo(rounds + 1);
            }
            System.out.printf(
                    "module study: %s (LoRA rank 2 on layers.*, head whole) %d values = %d B per update,"
                            + " patient DP + SecAgg, %d rounds and the final evaluation in %d s%n",
                    NAME, trainable, 4 * trainable, rounds, seconds);
            System.out.println("final evaluation: " + last.get("scores").get("pooled"));
        }
    }
}
