package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.coordinator.testing.TestPostgres;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Three coordinator replicas form one Hazelcast cluster over TCP-IP on loopback and share one
 * PostgreSQL database and data directory. Agents are spread over the replicas (each starts at
 * another address of its list); every replica takes sessions and uploads and folds the uploads
 * it receives into its own partial sum; the oldest member with quorum that holds the database
 * lease drives rounds and merges the partial sums when a round closes.
 *
 * <p>Stopping a replica mid-round — the one that drives it, or one that holds an upload —
 * loses nothing: the round continues (same attempt), the upload held by the lost replica is
 * asked for again and re-sent unchanged by its site, and the study ends with the same model as
 * an undisturbed run with the same seeds, each round on record once. Under DP the lost upload
 * was charged when the stopped replica received it (before it could be lost with it); the same
 * signed update received again by another replica is the same release and costs nothing more.
 */
class ClusterFailoverIntegrationTest {
    private static final int ROUNDS = 2;

    @TempDir
    static Path shared;

    private static float[] undisturbed;

    /** Which replica is stopped while site 0's upload is held and site 1 is still training. */
    enum Stop {
        /** Replica 0 drives rounds and holds site 0's upload. */
        DRIVER(new int[][] {{0, 1, 2}, {1, 2, 0}}, 0, 1),
        /** Replica 1 only holds site 0's upload; replica 0 drives rounds throughout. */
        HOLDER(new int[][] {{1, 2, 0}, {2, 0, 1}}, 1, 0);

        final int[][] addressOrder;
        final int stopped;
        final int driverAfter;

        Stop(int[][] addressOrder, int stopped, int driverAfter) {
            this.addressOrder = addressOrder;
            this.stopped = stopped;
            this.driverAfter = driverAfter;
        }
    }

    @BeforeAll
    static void undisturbedRun() throws Exception {
        Path dir = shared.resolve("reference");
        try (var fed = new TestFederation(dir, 2)) {
            undisturbed = TestCluster.finalModel(fed.api, fed.runStudy(ROUNDS), dir);
        }
    }

    @Test
    void stoppingTheDrivingReplicaMidRoundGivesTheUndisturbedModel(@TempDir Path dir) throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_ha")) { // replicas share one database
            assertSameModel(clusterRun(dir, schema, Stop.DRIVER, "none").model());
        }
    }

    @Test
    void stoppingAReplicaThatHoldsAnUploadGivesTheUndisturbedModel(@TempDir Path dir) throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_ha")) {
            assertSameModel(clusterRun(dir, schema, Stop.HOLDER, "none").model());
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "stopping the {0}")
    @org.junit.jupiter.params.provider.EnumSource(Stop.class)
    void anUploadLostWithItsReplicaIsChargedOnceUnderDifferentialPrivacy(Stop stop, @TempDir Path dir)
            throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_ha")) {
            Result run = clusterRun(dir, schema, stop, "patient");
            JsonNode privacy = run.privacy();
            assertThat(privacy.get("sites").size()).isEqualTo(2);
            for (JsonNode site : privacy.get("sites")) {
                var charged = new ArrayList<String>();
                site.get("charges")
                        .forEach(c -> charged.add(c.get("roundNumber").asInt() + "/"
                                + c.get("attempt").asInt()));
                // Site 0's round-1 update was received twice (by the stopped replica, then re-sent): one release.
                // Then the noised final evaluation (round 3), a release of its own.
                assertThat(charged).as(site.toString()).containsExactly("1/1", "2/1", "3/1");
                // Each charge names the update the site signed and recorded; the report's ε is the site's own.
                Path ledger = run.ledgers().get(site.get("siteId").asString());
                List<JsonNode> sent = PrivacyIntegrationTest.localReleases(ledger, run.studyId());
                assertThat(site.get("charges")
                                .valueStream()
                                .map(c -> c.get("payloadSha256").asString())
                                .toList())
                        .containsExactlyElementsOf(sent.stream()
                                .map(u -> u.get("payloadSha256").asString())
                                .toList());
                double own = org.cohort.privacy.accounting.RdpAccountant.withDefaultOrders()
                        .composeAll(sent.stream()
                                .map(u -> (org.cohort.privacy.accounting.PrivacyEvent)
                                        new org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian(
                                                u.get("samplingRate").asDouble(),
                                                u.get("noiseMultiplier").asDouble(),
                                                u.get("steps").asLong()))
                                .toList())
                        .epsilon(1e-5);
                assertThat(site.get("spent").get("epsilon").asDouble())
                        .isCloseTo(own, org.assertj.core.api.Assertions.within(1e-9));
            }
        }
    }

    private static void assertSameModel(float[] model) {
        assertThat(model).hasSameSizeAs(undisturbed);
        for (int i = 0; i < undisturbed.length; i++) {
            // Same seeds, same data, same base model: only the order of the sites in the sum may differ.
            assertThat(model[i])
                    .as("parameter %d", i)
                    .isCloseTo(undisturbed[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
    }

    /** A run's final model, its privacy view, and each site's own ledger file. */
    private record Result(float[] model, JsonNode privacy, String studyId, Map<String, Path> ledgers) {}

    private static Result clusterRun(Path dir, TestPostgres.Schema schema, Stop stop, String privacyMode)
            throws Exception {
        try (var cluster = new TestCluster(dir, schema, 3, 2)) {
            var watcher = cluster.client(2); // never stopped
            assertThat(cluster.client(0).status().get("drivesRounds").asBoolean())
                    .isTrue();
            assertThat(cluster.client(1).status().get("drivesRounds").asBoolean())
                    .isFalse();

            var options = TestFederation.plainOptions(dir, 2, ROUNDS);
            var data = DemoData.prepare(options, dir.resolve("data"));
            var spec = new HashMap<String, Object>(data.studySpec(
                    options, DemoPrivacy.calibrate(PrivacyMode.PRIVACY_MODE_NONE, 1, ROUNDS, List.of())));
            spec.put("minSites", 2);
            spec.put("roundTimeoutSeconds", 60);
            if (privacyMode.equals("patient")) {
                spec.put(
                        "privacy",
                        PrivacySpec.patient(1.5)
                                .with("epsilonBudget", 100)
                                .with("expectedBatchSize", 32)
                                .fields());
            }
            // Any replica serves the REST API: create on one, start on another.
            String studyId = watcher.studies().create(spec).get("studyId").asString();

            var calls = new AtomicInteger();
            var normal = new Dl4jLearner(data.sites().get(1).dataFile());
            LocalLearner slowOnce = (task, config, global) -> {
                if (calls.incrementAndGet() == 1) {
                    try {
                        Thread.sleep(8000); // still training when the replica stops
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return normal.run(task, config, global);
            };
            var siteIds = new ArrayList<String>();
            var ledgers = new HashMap<String, Path>();
            for (int i = 0; i < 2; i++) {
                var site = data.sites().get(i);
                var agent = cluster.startAgent(
                        site,
                        dir.resolve("agents"),
                        studyId,
                        i == 1 ? slowOnce : new Dl4jLearner(site.dataFile()),
                        stop.addressOrder[i]);
                siteIds.add(agent.siteId());
                ledgers.put(agent.siteId(), agent.ledgerFile());
            }
            cluster.awaitConnected(2);
            // Each agent is connected to the first replica of its list.
            for (int i = 0; i < 2; i++) {
                assertThat(cluster.client(stop.addressOrder[i][0])
                                .status()
                                .get("connectedHere")
                                .asInt())
                        .as("sessions on replica %d", stop.addressOrder[i][0])
                        .isEqualTo(1);
            }
            cluster.client(1).studies().start(studyId);

            // Site 0's upload is held by replica `stop.stopped` and site 1 is still training: stop that replica.
            while (calls.get() == 0
                    || !watcher.studies()
                            .rounds(studyId)
                            .get(0)
                            .get("reported")
                            .toString()
                            .contains(siteIds.get(0))) {
                Thread.sleep(50);
            }
            cluster.stop(stop.stopped);

            var survivor = cluster.client(stop.driverAfter);
            JsonNode study = cluster.awaitStudyEnd(stop.driverAfter, studyId);
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(survivor.status().get("drivesRounds").asBoolean()).isTrue();

            JsonNode rounds = survivor.studies().rounds(studyId);
            // The disturbed round was not retried: it went on with the upload sent again.
            JsonNode firstRound = rounds.get(0);
            assertThat(firstRound.get("roundNumber").asInt()).isEqualTo(1);
            assertThat(firstRound.get("attempt").asInt()).isEqualTo(1);
            assertThat(firstRound.get("status").asString())
                    .as(firstRound.toString())
                    .isEqualTo("COMPLETED");
            assertThat(firstRound.get("resent").toString()).contains(siteIds.get(0));
            for (JsonNode r : rounds) {
                assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("COMPLETED");
            }
            // Each training round published exactly one version and went on record exactly once.
            assertThat(survivor.studies().models(studyId).size()).isEqualTo(ROUNDS + 1);
            var completedRounds = new ArrayList<Integer>();
            for (JsonNode e : survivor.audit().entries(0, 1000).get("entries")) {
                if (e.get("kind").asString().equals("ROUND_COMPLETED")) {
                    completedRounds.add(e.get("details").get("roundNumber").asInt());
                }
            }
            assertThat(completedRounds).containsExactly(1, 2);
            assertThat(survivor.audit().verify().get("valid").asBoolean()).isTrue();
            return new Result(
                    TestCluster.finalModel(survivor, studyId, dir),
                    survivor.studies().privacy(studyId),
                    studyId,
                    ledgers);
        }
    }
}
