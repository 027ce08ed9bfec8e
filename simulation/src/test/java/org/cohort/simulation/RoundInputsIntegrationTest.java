package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SiteMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What one site states about itself, and what the ML team sends, is bounded over the real
 * coordinator: a site's weight is the training size it declared when it accepted the study, its
 * evaluation counts follow from that, a site-level DP update keeps its clip norm (the agent clips
 * what a buggy trainer returns; the coordinator refuses what a hostile site sends), study specs
 * are validated and size-limited, and a finished study stays finished.
 */
class RoundInputsIntegrationTest {

    private static Status.Code code(Throwable t) {
        return Status.fromThrowable(t).getCode();
    }

    private static JsonNode site(TestFederation fed, String siteId) {
        for (JsonNode s : fed.api.sites().list()) {
            if (s.get("siteId").asString().equals(siteId)) {
                return s;
            }
        }
        throw new AssertionError("no site " + siteId);
    }

    /** A raw REST call, so tests can see status codes and bodies the client treats as errors. */
    private static HttpResponse<String> call(
            TestFederation fed, String method, String path, HttpRequest.BodyPublisher body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fed.coordinator.restPort() + path))
                .header("Authorization", "Bearer " + fed.coordinator.adminToken())
                .header("Content-Type", "application/json")
                .method(method, body)
                .timeout(Duration.ofSeconds(60));
        try (var http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static HttpResponse<String> post(TestFederation fed, String path, String json) throws Exception {
        return call(fed, "POST", path, HttpRequest.BodyPublishers.ofString(json));
    }

    private static String specJson(TestFederation fed, Map<String, Object> extra) {
        var spec = new java.util.HashMap<String, Object>(fed.data.studySpec(
                TestFederation.plainOptions(fed.dir, 2, 1),
                DemoPrivacy.calibrate(PrivacyMode.PRIVACY_MODE_NONE, 1, 1, List.of())));
        spec.putAll(extra);
        return fed.api.json().writeValueAsString(spec);
    }

    @Test
    void aSiteCanNeitherOwnNorSinkAPlainStudyAndFinishedStudiesStayFinished(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(3, 2, 60);
            var honest = List.of(fed.startAgent(0, studyId, null), fed.startAgent(1, studyId, null));
            try (var rogue = fed.enrollRogue("rogue");
                    var greedy = fed.enrollRogue("greedy")) {
                rogue.connect(List.of(studyId)); // declares 1 training example
                greedy.connect(Map.of(studyId, 1_000_000_000_000_000L)); // above the study's maxSiteExamples
                fed.awaitConnected(4);
                // Declarations are public and shown; one above the study's maximum keeps the site out.
                assertThat(site(fed, rogue.siteId)
                                .get("declaredTrainingExamples")
                                .get(studyId)
                                .asLong())
                        .isEqualTo(1);
                assertThat(site(fed, greedy.siteId).get("acceptedStudies")).isEmpty();
                fed.api.studies().start(studyId);

                // Round 1: Long.MAX_VALUE as the weight once overflowed every merge and failed the study.
                RoundTask t1 = rogue.nextTask();
                float[] zeros = new float[(int) rogue.modelLength(t1)];
                var overflow = rogue.manifest(t1, zeros).toBuilder()
                        .setExampleCount(Long.MAX_VALUE)
                        .build();
                assertThatThrownBy(() -> rogue.upload(overflow, zeros))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                        .hasMessageContaining("site " + rogue.siteId + " declared 1 training examples")
                        .hasMessageContaining("example_count " + Long.MAX_VALUE);

                // Round 2: a self-reported held-out count that would zero the pooled accuracy.
                RoundTask t2 = rogue.nextTask();
                var zeroing = rogue.manifest(t2, zeros).toBuilder()
                        .setMetrics(SiteMetrics.newBuilder()
                                .setTestExamples(1_000_000_000_000L)
                                .setTestCorrect(0))
                        .build();
                assertThatThrownBy(() -> rogue.upload(zeroing, zeros))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                        .hasMessageContaining("reports 1000000000000 held-out examples");

                // Round 3: its declared weight is taken.
                RoundTask t3 = rogue.nextTask();
                assertThat(rogue.upload(rogue.manifest(t3, zeros), zeros).getAccepted())
                        .isTrue();
                rogue.refuse(rogue.nextTask(), "no final evaluation from the rogue site");

                JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(4));
                assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
                JsonNode rounds = fed.api.studies().rounds(studyId);
                assertThat(rounds.get(0).get("dropped").get(rogue.siteId).asString())
                        .contains("declared 1 training examples");
                for (JsonNode r : rounds) {
                    assertThat(r.get("selected").toString()).doesNotContain(greedy.siteId);
                    for (var agent : honest) {
                        assertThat(r.get("reported").toString())
                                .as(r.toString())
                                .contains(agent.siteId());
                    }
                }
                assertThat(greedy.tasks).isEmpty();

                // A completed study can be neither stopped nor started again (its final evaluation ran once).
                for (String action : List.of("stop", "start")) {
                    var answer = post(fed, "/api/studies/" + studyId + "/" + action, "");
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(409);
                    assertThat(answer.body()).contains("is COMPLETED").contains("cannot be");
                }
                assertThat(fed.api.studies().get(studyId).get("status").asString())
                        .isEqualTo("COMPLETED");
            }

            // Study specs: δ = 0.5, σ = ∞, an MLP too large for the coordinator, bodies above 1 MiB.
            var delta = post(
                    fed,
                    "/api/studies",
                    specJson(
                            fed,
                            PrivacySpec.site(1.0)
                                    .with("noiseMultiplier", 1.0)
                                    .with("delta", 0.5)
                                    .with("epsilonBudget", 5.0)
                                    .spec()));
            assertThat(delta.statusCode()).isEqualTo(400);
            assertThat(delta.body()).contains("privacy.delta must be in (0, 0.001]");
            var sigma = post(
                    fed,
                    "/api/studies",
                    specJson(
                                    fed,
                                    PrivacySpec.site(1.0)
                                            .with("delta", 1e-5)
                                            .with("epsilonBudget", 5.0)
                                            .spec())
                            .replace("\"mode\":\"site\"", "\"mode\":\"site\",\"noiseMultiplier\":1e999"));
            assertThat(sigma.statusCode()).as(sigma.body()).isEqualTo(400);
            assertThat(sigma.body()).contains("privacy.noiseMultiplier must be a finite positive number");
            for (String[] word : List.of(new String[] {"mode", "gdp"}, new String[] {"accountant", "moments"})) {
                var privacy = new java.util.HashMap<String, Object>(Map.of("mode", "site", "epsilonBudget", 5.0));
                privacy.put(word[0], word[1]);
                var unknown = post(fed, "/api/studies", specJson(fed, Map.of("privacy", privacy)));
                assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
                assertThat(fed.api
                                .json()
                                .readTree(unknown.body())
                                .get("message")
                                .asString())
                        .contains("must be '")
                        .contains("got '" + word[1] + "'");
            }
            var huge = post(
                    fed,
                    "/api/studies",
                    specJson(fed, Map.of("model", Map.of("preset", "mlp", "hidden", List.of(20_000, 20_000)))));
            assertThat(huge.statusCode()).as(huge.body()).isEqualTo(400);
            assertThat(huge.body())
                    .contains("parameters, above this coordinator's limit of 50000000")
                    .contains("MiB");
            String padded = specJson(fed, Map.of("name", "x".repeat(30 << 20)));
            var big = post(fed, "/api/studies", padded);
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(fed.api.json().readTree(big.body()).get("message").asString())
                    .contains("above this coordinator's limit of 1048576 bytes");
            var chunked = call(
                    fed,
                    "POST",
                    "/api/studies",
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                            padded.substring(0, 2 << 20).getBytes(StandardCharsets.UTF_8))));
            assertThat(chunked.statusCode()).isEqualTo(413);
            assertThat(chunked.body()).contains("more than 1048576 bytes");
            // Nothing of them was kept.
            assertThat(fed.api.studies().list()).hasSize(1);
        }
    }

    /** A trainer that forgets to clip: its update is 5000 times the clip norm. */
    private static LocalLearner unclipped(Path data) {
        var inner = new Dl4jLearner(data);
        return new ReplacedRun(inner, (task, modelConfigJson, global) -> {
            var o = inner.run(task, modelConfigJson, global);
            if (o.delta() == null) {
                return o;
            }
            float[] d = o.delta().clone();
            double norm = org.cohort.privacy.clip.L2Clipping.l2Norm(d);
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (d[i] / Math.max(norm, 1e-12) * 5000);
            }
            return o.withDelta(d);
        });
    }

    @Test
    void aSiteLevelDpUpdateKeepsItsClipNormAtTheAgentAndAtTheCoordinator(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(
                    2,
                    2,
                    60,
                    PrivacySpec.site(1.0)
                            .with("noiseMultiplier", 1.0)
                            .with("delta", 1e-5)
                            .with("epsilonBudget", 50.0)
                            .spec());
            var buggy =
                    fed.startAgent(0, studyId, unclipped(fed.data.sites().get(0).dataFile()));
            var honest = fed.startAgent(1, studyId, null);
            try (var rogue = fed.enrollRogue("rogue")) {
                rogue.connect(List.of(studyId));
                fed.awaitConnected(3);
                fed.api.studies().start(studyId);

                // An update 5,099× over the clip norm was once accepted and charged as if clipped.
                RoundTask t1 = rogue.nextTask();
                int n = (int) rogue.modelLength(t1);
                float[] over = new float[n];
                java.util.Arrays.fill(over, (float) (5099 / Math.sqrt(n)));
                assertThatThrownBy(() -> rogue.upload(rogue.manifest(t1, over), over))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                        .hasMessageContaining("the update of site " + rogue.siteId + " has L2 norm")
                        .hasMessageContaining("above the study's site-level clip norm 1.0");
                rogue.refuse(rogue.nextTask(), "done");
                rogue.refuse(rogue.nextTask(), "no final evaluation from the rogue site");

                JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(4));
                assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
                JsonNode rounds = fed.api.studies().rounds(studyId);
                assertThat(rounds.get(0).get("dropped").get(rogue.siteId).asString())
                        .contains("L2 norm");
                for (JsonNode r : rounds) {
                    // The agent clipped what its trainer returned: the coordinator took it every round.
                    assertThat(r.get("reported").toString())
                            .as(r.toString())
                            .contains(buggy.siteId())
                            .contains(honest.siteId());
                }
            }
        }
    }
}
