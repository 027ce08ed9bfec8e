package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.PrivacyCharge;
import org.cohort.learning.train.ControlVariates;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * SCAFFOLD end to end, over real gRPC and the real agent: every training task tells the sites to
 * fetch the server's c, which starts at zero and then moves from round to round (kept next to each
 * model version); every site keeps its own c_i in an owner-only file of its work directory, uses the
 * one it saved after the previous round, and sends Δc_i with its delta, as its ledger records. The
 * study completes plain, and under patient-level DP with secure aggregation and a maxUpdateNorm (the
 * concatenated vector masked as one, clipped before masking).
 */
class ScaffoldIntegrationTest {
    static final int ROUNDS = 3;
    static final int SITES = 3;

    /** What a site trained with in one round: the server's c and its own c_i. */
    record Seen(int site, int round, float[] server, float[] own) {}

    /** The agent's own learner, recording the control variates each training task brought. */
    record Recording(LocalLearner inner, int site, ConcurrentLinkedQueue<Seen> seen) implements LocalLearner {
        @Override
        public Outcome run(RoundTask task, String config, float[] global) {
            return inner.run(task, config, global);
        }

        @Override
        public Outcome run(RoundTask task, String config, float[] global, ControlVariates variates) {
            if (task.getKind() == TaskKind.TRAIN) {
                seen.add(new Seen(
                        site,
                        task.getRoundNumber(),
                        variates == null ? null : variates.server(),
                        variates == null ? null : variates.site()));
            }
            return inner.run(task, config, global, variates);
        }

        @Override
        public int trainingRows(RoundTask task) {
            return inner.trainingRows(task);
        }

        @Override
        public PrivacyCharge plannedCharge(RoundTask task) {
            return inner.plannedCharge(task);
        }
    }

    @Test
    void aScaffoldStudyCompletesAndItsControlVariatesArePersistedAndUsedAcrossRounds(@TempDir Path dir)
            throws Exception {
        try (var fed = new TestFederation(dir, SITES)) {
            String studyId = fed.createStudy(ROUNDS, SITES, 120, Map.of("strategy", "scaffold"));
            var seen = completes(fed, studyId, Duration.ofMinutes(3));
            checkVariates(fed, studyId, seen, null);
            assertThat(fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble())
                    .isGreaterThan(0.7);
        }
    }

    @Test
    void aScaffoldStudyCompletesUnderPatientLevelDpWithSecureAggregationAndAnUpdateNormBound(@TempDir Path dir)
            throws Exception {
        try (var fed = new TestFederation(dir, SITES)) {
            var extra = new HashMap<String, Object>(PrivacyIntegrationTest.patientDp(100));
            extra.put("strategy", "scaffold");
            extra.put(
                    "secureAggregation",
                    Map.of("enabled", true, "clipRange", 4.0, "stageTimeoutSeconds", 20, "maxUpdateNorm", 5.0));
            String studyId = fed.createStudy(ROUNDS, SITES, 120, extra);
            var seen = completes(fed, studyId, Duration.ofMinutes(4));
            checkVariates(fed, studyId, seen, 5.0);
        }
    }

    /**
     * Compact transfer: the model downloads as int8 while c downloads as float32, and each upload
     * (Δy then Δc, twice the model's length) is int8-encoded as one vector.
     */
    @Test
    void aScaffoldStudyCompletesWithInt8Transfer(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, SITES)) {
            String studyId = fed.createStudy(
                    ROUNDS,
                    SITES,
                    120,
                    Map.of("strategy", "scaffold", "transfer", Map.of("encoding", "int8", "blockSize", 64)));
            var seen = completes(fed, studyId, Duration.ofMinutes(3));
            checkVariates(fed, studyId, seen, null);
        }
    }

    /** The 16-bit ring: the masked vector of twice the model's length keeps the per-value bound. */
    @Test
    void aScaffoldStudyCompletesWithSecureAggregationInTheSixteenBitRing(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, SITES)) {
            var extra = new HashMap<String, Object>(PrivacyIntegrationTest.patientDp(100));
            extra.put("strategy", "scaffold");
            extra.put("transfer", Map.of("encoding", "float16"));
            extra.put(
                    "secureAggregation",
                    Map.of("enabled", true, "clipRange", 4.0, "stageTimeoutSeconds", 20, "ringBits", 16));
            String studyId = fed.createStudy(ROUNDS, SITES, 120, extra);
            var seen = completes(fed, studyId, Duration.ofMinutes(4));
            checkVariates(fed, studyId, seen, null);
        }
    }

    /** Starts the sites on {@code studyId} and checks that it completes its rounds; what the sites trained with. */
    private static ConcurrentLinkedQueue<Seen> completes(TestFederation fed, String studyId, Duration limit)
            throws Exception {
        var seen = start(fed, studyId);
        JsonNode study = fed.startAndAwaitEnd(studyId, SITES, limit);
        assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
        assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);
        return seen;
    }

    private static ConcurrentLinkedQueue<Seen> start(TestFederation fed, String studyId) throws Exception {
        var seen = new ConcurrentLinkedQueue<Seen>();
        for (int i = 0; i < SITES; i++) {
            var inner = new Dl4jLearner(
                    fed.data.sites().get(i).dataFile(),
                    org.cohort.agent.SplitSecretFile.loadOrCreate(fed.agentWorkDir(i)));
            fed.startAgent(i, studyId, new Recording(inner, i, seen));
        }
        return seen;
    }

    private static void checkVariates(
            TestFederation fed, String studyId, ConcurrentLinkedQueue<Seen> seen, Double bound) throws Exception {
        assertThat(seen).hasSize(SITES * ROUNDS).allMatch(s -> s.server() != null && s.own() != null);
        for (Seen s : seen) {
            if (s.round() == 1) {
                assertThat(norm(s.server())).as("c before the first round").isZero();
                assertThat(norm(s.own())).as("c_i before the first round").isZero();
            } else {
                assertThat(norm(s.server())).as("c in round %d", s.round()).isPositive();
                assertThat(norm(s.own()))
                        .as("site %d's c_i in round %d", s.site(), s.round())
                        .isPositive();
            }
        }
        // c moves each round, and every site of a round gets the same c.
        float[][] byRound = new float[ROUNDS + 1][];
        for (Seen s : seen) {
            if (byRound[s.round()] == null) {
                byRound[s.round()] = s.server();
            }
            assertThat(s.server()).isEqualTo(byRound[s.round()]);
        }
        assertThat(byRound[3]).isNotEqualTo(byRound[2]);
        var json = JsonMapper.builder().build();
        for (int i = 0; i < SITES; i++) {
            Path file = fed.agentWorkDir(i).resolve("scaffold").resolve(studyId + ".cv");
            assertThat(file).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            b.getInt();
            float[] saved = new float[b.getInt()];
            b.asFloatBuffer().get(saved);
            assertThat(norm(saved)).as("site %d's c_i after the study", i).isPositive();
            // The c_i the site trained with in round 3 is the one it saved after round 2: it moved since.
            final int site = i;
            Seen last = seen.stream()
                    .filter(s -> s.site() == site && s.round() == ROUNDS)
                    .findFirst()
                    .orElseThrow();
            assertThat(saved).isNotEqualTo(last.own());
            List<JsonNode> updates = Files.readAllLines(fed.agentWorkDir(i).resolve("ledger.jsonl")).stream()
                    .map(json::readTree)
                    .filter(l -> l.get("kind").asString().equals("update"))
                    .toList();
            assertThat(updates).hasSize(ROUNDS);
            for (JsonNode u : updates) {
                long half = u.get("values").asLong() / 2;
                assertThat(u.get("controlVariateValues").asLong())
                        .isEqualTo(half)
                        .isEqualTo(saved.length);
                if (bound == null) {
                    assertThat(u.has("clippedToNorm")).isFalse();
                } else {
                    assertThat(u.get("clippedToNorm").asDouble()).isEqualTo(bound);
                }
            }
        }
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
