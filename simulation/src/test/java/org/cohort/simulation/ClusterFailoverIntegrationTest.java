package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.agent.AgentConfig;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.SiteAgent;
import org.cohort.coordinator.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Three coordinator replicas form one Hazelcast cluster over TCP-IP on loopback and share one
 * PostgreSQL database and data directory. The oldest member with quorum that holds the
 * database lease drives rounds; the others are on standby and send agents on. Stopping the
 * driving replica mid-round loses nothing: another replica takes the lease, closes the round
 * cleanly, the agents reconnect to it from their address lists, the round is retried and the
 * study ends with the same model as an undisturbed run with the same seeds, each round on
 * record once.
 */
class ClusterFailoverIntegrationTest {
    private static final int ROUNDS = 2;

    @Test
    void stoppingTheDrivingReplicaMidRoundGivesTheUndisturbedModel(@TempDir Path dir) throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_ha")) { // replicas share one database
            float[] undisturbed = undisturbedRun(dir.resolve("reference"));
            float[] failedOver = failoverRun(dir.resolve("cluster"), schema);
            assertThat(failedOver).hasSameSizeAs(undisturbed);
            for (int i = 0; i < undisturbed.length; i++) {
                // Same seeds, same data, same base model: only the order of the sites in the sum may differ.
                assertThat(failedOver[i]).as("parameter %d", i).isCloseTo(undisturbed[i],
                        org.assertj.core.api.Assertions.within(1e-5f));
            }
        }
    }

    private static float[] undisturbedRun(Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(ROUNDS, 2, 60);
            fed.startAgent(0, studyId, null);
            fed.startAgent(1, studyId, null);
            fed.awaitConnected(2);
            fed.api.post("/api/studies/" + studyId + "/start", null);
            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).isEqualTo("COMPLETED");
            return finalModel(fed.api, studyId, dir);
        }
    }

    private static float[] failoverRun(Path dir, TestPostgres.Schema schema) throws Exception {
        String cluster = "cohort-ha-" + UUID.randomUUID();
        int[] hzPorts = {ChildProcesses.freePort(), ChildProcesses.freePort(), ChildProcesses.freePort()};
        int[] agentPorts = {ChildProcesses.freePort(), ChildProcesses.freePort(), ChildProcesses.freePort()};
        String members = "127.0.0.1:" + hzPorts[0] + ",127.0.0.1:" + hzPorts[1] + ",127.0.0.1:" + hzPorts[2];
        Path shared = dir.resolve("coordinator");
        var replicas = new ArrayList<InProcessCoordinator>();
        var agents = new ArrayList<SiteAgent>();
        try {
            for (int i = 0; i < 3; i++) {
                // Started one after another: the first is the oldest member, so it drives rounds.
                var arguments = new ArrayList<>(schema.coordinatorArguments());
                arguments.addAll(List.of(
                        "--cohort.coordinator.cluster.name=" + cluster,
                        "--cohort.coordinator.cluster.port=" + hzPorts[i],
                        "--cohort.coordinator.cluster.members=" + members,
                        "--cohort.coordinator.cluster.quorum=2",
                        "--cohort.coordinator.cluster.lease-duration=3s",
                        "--cohort.coordinator.grpc-port=" + agentPorts[i]));
                replicas.add(InProcessCoordinator.start(shared, arguments.toArray(String[]::new)));
            }
            var first = replicas.get(0).client();
            assertThat(first.get("/api/status").get("drivesRounds").asBoolean()).isTrue();
            assertThat(replicas.get(1).client().get("/api/status").get("drivesRounds").asBoolean()).isFalse();

            var data = DemoData.prepare(new DemoOptions("synthetic", null, 2, 1, "logistic-regression", dir, "none",
                    1.0, false, false), dir.resolve("data"));
            var spec = new java.util.HashMap<String, Object>(data.studySpec(new DemoOptions("synthetic", null, 2, ROUNDS,
                    "logistic-regression", dir, "none", 1.0, false, false), DemoPrivacy.calibrate("none", 1, ROUNDS,
                    List.of())));
            spec.put("minSites", 2);
            spec.put("roundTimeoutSeconds", 60);
            // Any replica serves the REST API: create on one, start on another.
            String studyId = replicas.get(2).client().post("/api/studies", spec).get("studyId").asString();

            List<String> addresses = List.of("localhost:" + agentPorts[0], "localhost:" + agentPorts[1],
                    "localhost:" + agentPorts[2]);
            var calls = new AtomicInteger();
            var normal = new Dl4jLearner(data.sites().get(1).dataFile());
            LocalLearner slowOnce = (task, config, global) -> {
                if (calls.incrementAndGet() == 1) {
                    try {
                        Thread.sleep(6000); // still training when the driving replica stops
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return normal.run(task, config, global);
            };
            for (int i = 0; i < 2; i++) {
                var site = data.sites().get(i);
                JsonNode token = first.post("/api/enrollment-tokens", java.util.Map.of("siteName", site.name(), "ttlMinutes", 10));
                Path agentDir = Files.createDirectories(dir.resolve("agents").resolve(site.name()));
                var config = new AgentConfig(site.name(), addresses, token.get("caFingerprint").asString(),
                        token.get("token").asString(), site.dataFile(), agentDir.resolve("work"), Set.of(studyId), "",
                        "cpu", null, null);
                agents.add(SiteAgent.start(config, i == 1 ? slowOnce : new Dl4jLearner(site.dataFile())));
            }
            awaitConnected(first, 2);
            replicas.get(1).client().post("/api/studies/" + studyId + "/start", null);

            // One site has reported and the other is still training: stop the driving replica.
            while (calls.get() == 0 || first.get("/api/studies/" + studyId + "/rounds").get(0).get("reported").size() < 1) {
                Thread.sleep(50);
            }
            replicas.get(0).close();

            var survivor = replicas.get(1).client();
            long until = System.currentTimeMillis() + 120_000;
            JsonNode study = survivor.get("/api/studies/" + studyId);
            while (System.currentTimeMillis() < until && !study.get("status").asString().equals("COMPLETED")) {
                Thread.sleep(200);
                study = survivor.get("/api/studies/" + studyId);
            }
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(survivor.get("/api/status").get("drivesRounds").asBoolean()).isTrue();
            assertThat(replicas.get(2).client().get("/api/status").get("drivesRounds").asBoolean()).isFalse();

            JsonNode rounds = survivor.get("/api/studies/" + studyId + "/rounds");
            assertThat(rounds.get(0).get("status").asString()).isEqualTo("FAILED");
            assertThat(rounds.get(0).get("detail").asString()).contains("abandoned", "replica");
            // Each training round published exactly one version and went on record exactly once.
            assertThat(survivor.get("/api/studies/" + studyId + "/models").size()).isEqualTo(ROUNDS + 1);
            var completedRounds = new ArrayList<Integer>();
            for (JsonNode e : survivor.get("/api/audit/entries?limit=1000").get("entries")) {
                if (e.get("kind").asString().equals("ROUND_COMPLETED")) {
                    completedRounds.add(e.get("details").get("roundNumber").asInt());
                }
            }
            assertThat(completedRounds).containsExactly(1, 2);
            assertThat(survivor.get("/api/audit/verify").get("valid").asBoolean()).isTrue();
            return finalModel(survivor, studyId, dir);
        } finally {
            agents.forEach(SiteAgent::close);
            for (int i = replicas.size() - 1; i >= 1; i--) {
                replicas.get(i).close();
            }
        }
    }

    private static void awaitConnected(CoordinatorClient api, int n) throws InterruptedException {
        long until = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < until) {
            if (api.get("/api/status").get("connectedSites").asInt() >= n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + n + " sites connected to the driving replica within 60 s");
    }

    private static float[] finalModel(CoordinatorClient api, String studyId, Path dir) throws Exception {
        long version = api.get("/api/studies/" + studyId).get("currentVersion").asLong();
        Path file = dir.resolve("final-" + version + ".f32");
        api.download("/api/studies/" + studyId + "/models/" + version + "/parameters", file);
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(values);
        return values;
    }
}
