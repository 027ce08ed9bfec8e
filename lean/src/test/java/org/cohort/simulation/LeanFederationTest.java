package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cohort.agent.AgentConfig;
import org.cohort.agent.PyTorchWorker;
import org.cohort.agent.SiteAgent;
import org.cohort.client.CoordinatorException;
import org.cohort.learning.Dl4jSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lean build, on its own class path (this module's, which leaves Deeplearning4j, ND4J and their native
 * libraries out): a real coordinator and real agents over gRPC/mTLS run a study that names a PyTorch module,
 * trained through the reference PyTorch worker under patient-level DP-SGD with secure aggregation, so a class
 * of DL4J reached anywhere on the path would fail it with NoClassDefFoundError. A DL4J model is refused by the
 * lean coordinator at creation and by a lean agent before anything is spent, each saying what to run instead.
 * The federation test is skipped, saying why, where no PyTorch worker can run (failed instead with
 * {@code COHORT_REQUIRE_PYTORCH=1}, as in CI).
 */
class LeanFederationTest {
    private static final String NAME = "lean-mlp";

    @Test
    void thisClassPathHoldsNoDeeplearning4jNd4jOrNativeLibraries() {
        assertThat(Dl4jSupport.present()).isFalse();
        for (String name : List.of(
                "org.deeplearning4j.nn.multilayer.MultiLayerNetwork",
                "org.nd4j.linalg.factory.Nd4j",
                "org.bytedeco.javacpp.Loader",
                "org.bytedeco.openblas.global.openblas")) {
            assertThatThrownBy(() -> Class.forName(name, false, getClass().getClassLoader()))
                    .as(name)
                    .isInstanceOf(ClassNotFoundException.class);
        }
        String classPath = System.getProperty("java.class.path");
        assertThat(classPath).doesNotContain("deeplearning4j", "nd4j", "bytedeco", "openblas");
    }

    @Test
    void aLeanAgentConfiguredToTrainInProcessIsRefusedSayingWhatToSet(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("site.csv"), "a,b\n1,2\n");
        Path config = Files.writeString(
                dir.resolve("agent.properties"),
                "coordinator.addresses=localhost:1\ndata.path=" + data + "\ntrainer.kind=dl4j\n");
        assertThatThrownBy(() -> AgentConfig.load(config))
                .hasMessageContaining("trainer.kind is dl4j (the default)")
                .hasMessageContaining("lean build without Deeplearning4j")
                .hasMessageContaining("set trainer.kind=external and trainer.command");
    }

    @Test
    void aLeanCoordinatorStartsAndRefusesEveryDl4jModelSayingWhatToRunInstead(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            // A preset, and a DL4J configuration: neither can be built here; refused at creation, in words.
            assertThatThrownBy(() -> fed.createStudy(1, 3, 60))
                    .isInstanceOf(CoordinatorException.class)
                    .hasMessageContaining("lean build without Deeplearning4j")
                    .hasMessageContaining("model.module")
                    .hasMessageContaining("full coordinator");
            assertThatThrownBy(() -> fed.createStudy(
                            1, 3, 60, Map.of("model", Map.of("configuration", Map.of("confs", List.of())))))
                    .isInstanceOf(CoordinatorException.class)
                    .hasMessageContaining("lean build without Deeplearning4j");
            assertThat(fed.api.studies().list()).isEmpty();
        }
    }

    @Test
    void aLeanCoordinatorAndLeanAgentsRunAModuleStudyUnderDpAndSecureAggregationAndRefuseADl4jModel(@TempDir Path dir)
            throws Exception {
        var found = PyTorchWorker.findFor("LeanFederationTest");
        Assumptions.assumeTrue(found.present(), found::problem);
        List<String> worker = found.command();
        try (var fed = new TestFederation(dir, 3)) {
            int width = fed.data.datasetSpec().getFeaturesList().stream()
                    .mapToInt(f -> Math.max(1, f.getLevelsCount()))
                    .sum();
            String args = ModuleStudies.mlpArgs(width);
            Path modules = dir.resolve("modules");
            String sha256 = JsonMapper.shared()
                    .readTree(ModuleStudies.write(worker, modules, NAME, args, 5))
                    .get("sha256")
                    .asString();
            long trainable = ModuleStudies.trainable(worker, modules, NAME, args, sha256, width);
            var extra = ModuleStudies.spec(NAME, sha256, trainable, 100);
            int rounds = 2;
            String studyId = fed.createStudy(rounds, 3, 180, extra);

            var agents = List.of(
                    ModuleStudies.startAgent(fed, 0, studyId, worker, modules),
                    ModuleStudies.startAgent(fed, 1, studyId, worker, modules),
                    ModuleStudies.startAgent(fed, 2, studyId, worker, modules));
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("COMPLETED");
                assertThat(r.get("reported").size()).as(r.toString()).isEqualTo(3);
            }
            for (SiteAgent agent : agents) {
                var sent = PrivacyIntegrationTest.localUpdates(agent.ledgerFile(), studyId);
                assertThat(sent).hasSize(rounds);
                for (JsonNode update : sent) {
                    assertThat(update.get("values").asLong()).isEqualTo(trainable);
                }
            }
            JsonNode last = fed.finalEvaluation(studyId);
            assertThat(last.get("release").asString()).contains("discrete Gaussian noise", "from score histograms");
            assertThat(last.get("scores").get("bySite").size()).isEqualTo(3);
            JsonNode privacy = fed.api.studies().privacy(studyId);
            for (JsonNode site : privacy.get("sites")) {
                assertThat(site.get("roundsCharged").asInt()).isEqualTo(rounds + 1);
            }
        }
    }
}
