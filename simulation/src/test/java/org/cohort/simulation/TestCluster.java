package org.cohort.simulation;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.cohort.agent.AgentConfig;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.SiteAgent;
import org.cohort.client.CoordinatorClient;
import org.cohort.client.CoordinatorException;
import org.cohort.coordinator.testing.TestPostgres;
import tools.jackson.databind.JsonNode;

/**
 * Test plumbing: coordinator replicas in one Hazelcast cluster over TCP-IP on loopback, sharing
 * one PostgreSQL schema and one data directory, started one after another (the first is the
 * oldest member, so it drives rounds), and agents whose address lists start at a chosen replica.
 */
final class TestCluster implements AutoCloseable {
    final List<InProcessCoordinator> replicas = new ArrayList<>();
    final List<SiteAgent> agents = new ArrayList<>();
    private final int[] agentPorts;
    private final boolean[] stopped;

    private final String cluster = "cohort-ha-" + UUID.randomUUID();
    private final int[] hzPorts;
    private final List<String> members = new ArrayList<>();
    private final Path dir;
    private final TestPostgres.Schema schema;
    private final int quorum;

    /** Starts all {@code size} replicas. */
    TestCluster(Path dir, TestPostgres.Schema schema, int size, int quorum) throws Exception {
        this(dir, schema, size, quorum, size);
    }

    /** Configures {@code size} replicas and starts the first {@code started} of them ({@link #start} the rest). */
    TestCluster(Path dir, TestPostgres.Schema schema, int size, int quorum, int started) throws Exception {
        this.dir = dir;
        this.schema = schema;
        this.quorum = quorum;
        hzPorts = new int[size];
        agentPorts = new int[size];
        stopped = new boolean[size];
        for (int i = 0; i < size; i++) {
            hzPorts[i] = ChildProcesses.freePort();
            agentPorts[i] = ChildProcesses.freePort();
            members.add("127.0.0.1:" + hzPorts[i]);
        }
        try {
            for (int i = 0; i < started; i++) {
                start(i);
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts the next replica (in order: the first started is the oldest member). */
    void start(int replica) {
        if (replica != replicas.size()) {
            throw new IllegalArgumentException("replicas start in order; next is " + replicas.size());
        }
        var arguments = new ArrayList<>(schema.coordinatorArguments());
        arguments.addAll(List.of(
                "--cohort.coordinator.cluster.name=" + cluster,
                "--cohort.coordinator.cluster.port=" + hzPorts[replica],
                "--cohort.coordinator.cluster.members=" + String.join(",", members),
                "--cohort.coordinator.cluster.quorum=" + quorum,
                "--cohort.coordinator.cluster.lease-duration=3s",
                "--cohort.coordinator.grpc-port=" + agentPorts[replica]));
        replicas.add(InProcessCoordinator.start(dir.resolve("coordinator"), arguments.toArray(String[]::new)));
    }

    CoordinatorClient client(int replica) {
        return replicas.get(replica).client();
    }

    /** Stops one replica as an operator or a crash would (its sessions break, it leaves the cluster). */
    void stop(int replica) {
        stopped[replica] = true;
        replicas.get(replica).close();
    }

    /** Enrolls a site and starts its agent with the replicas' addresses in the given order. */
    SiteAgent startAgent(DemoData.Site site, Path agentsDir, String studyId, LocalLearner learner, int... order)
            throws Exception {
        JsonNode token = client(0).enrollment().token(site.name(), Duration.ofMinutes(10));
        Path agentDir = Files.createDirectories(agentsDir.resolve(site.name()));
        TestSplitSecrets.install(agentDir.resolve("work"), site.dataFile());
        var addresses = new ArrayList<String>();
        for (int r : order) {
            addresses.add("localhost:" + agentPorts[r]);
        }
        var config = AgentConfig.builder(site.name(), site.dataFile(), agentDir.resolve("work"))
                .coordinators(addresses)
                .enrollment(
                        token.get("caFingerprint").asString(),
                        token.get("token").asString())
                // Every synthetic hospital has the same rows, so each declares the same training size.
                .accepting(AgentConfig.accepting(
                        TestFederation.DECLARED_TRAINING_EXAMPLES, Map.of(studyId, termsDigest(studyId))))
                .build();
        var agent = SiteAgent.start(config, learner);
        agents.add(agent);
        return agent;
    }

    /** The study's terms digest, or a placeholder for a study that does not exist (a site accepting no real study). */
    private String termsDigest(String studyId) {
        try {
            return client(0).studies().terms(studyId).get("digest").asString();
        } catch (CoordinatorException e) {
            return "sha256:" + "0".repeat(64);
        }
    }

    /** Waits until {@code n} sessions are open across the cluster. */
    void awaitConnected(int n) throws InterruptedException {
        long until = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < until) {
            if (client(firstRunning()).status().get("connectedSites").asInt() >= n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + n + " sites connected to the cluster within 60 s");
    }

    /** Polls a replica until the study has ended (or two minutes passed). */
    JsonNode awaitStudyEnd(int replica, String studyId) throws InterruptedException {
        long until = System.currentTimeMillis() + 120_000;
        JsonNode study = client(replica).studies().get(studyId);
        while (System.currentTimeMillis() < until
                && study.get("status").asString().matches("RUNNING|CREATED")) {
            Thread.sleep(200);
            study = client(replica).studies().get(studyId);
        }
        return study;
    }

    private int firstRunning() {
        for (int i = 0; i < stopped.length; i++) {
            if (!stopped[i]) {
                return i;
            }
        }
        throw new IllegalStateException("every replica is stopped");
    }

    /** The study's current model, as downloaded from a replica. */
    static float[] finalModel(CoordinatorClient api, String studyId, Path dir) throws Exception {
        long version = api.studies().get(studyId).get("currentVersion").asLong();
        Path file = dir.resolve("final-" + version + ".f32");
        api.studies().downloadParameters(studyId, version, file);
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(values);
        return values;
    }

    @Override
    public void close() {
        agents.forEach(SiteAgent::close);
        for (int i = replicas.size() - 1; i >= 0; i--) {
            if (!stopped[i]) {
                replicas.get(i).close();
            }
        }
    }
}
