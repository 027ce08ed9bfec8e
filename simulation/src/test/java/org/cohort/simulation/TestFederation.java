package org.cohort.simulation;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.TrustManager;
import org.cohort.agent.AgentConfig;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.SiteAgent;
import org.cohort.agent.SplitSecretFile;
import org.cohort.client.CoordinatorClient;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.v1.PrivacyMode;
import tools.jackson.databind.JsonNode;

/** Test plumbing: a real coordinator, real agents, synthetic hospitals on disk. */
final class TestFederation implements AutoCloseable {
    /**
     * What every synthetic hospital declares (all have the same rows): the same in every run,
     * replica layout and restart, as in {@link TestCluster}, so runs compare model for model.
     */
    static final long DECLARED_TRAINING_EXAMPLES = Math.round(DemoData.ROWS_PER_SITE * (1 - DemoData.TEST_FRACTION));

    final InProcessCoordinator coordinator;
    final CoordinatorClient api;
    final DemoData data;
    final List<SiteAgent> agents = new ArrayList<>();
    final Path dir;

    /** The Heart Disease files the hospitals hold, or null for synthetic hospitals. */
    private final Path heartDisease;
    /** The TCGA-BRCA files the regions' files are written from, or null. */
    private final Path tcgaBrca;

    TestFederation(Path dir, int sites, String... coordinatorProperties) throws Exception {
        this(dir, null, null, sites, coordinatorProperties);
    }

    private TestFederation(Path dir, Path heartDisease, int sites, String... coordinatorProperties) throws Exception {
        this(dir, heartDisease, null, sites, coordinatorProperties);
    }

    private TestFederation(Path dir, Path heartDisease, Path tcgaBrca, int sites, String... coordinatorProperties)
            throws Exception {
        this.dir = dir;
        this.heartDisease = heartDisease;
        this.tcgaBrca = tcgaBrca;
        this.coordinator = InProcessCoordinator.start(dir.resolve("coordinator"), coordinatorProperties);
        this.api = coordinator.client();
        this.data = DemoData.prepare(options(sites, 1), dir.resolve("data"));
    }

    private TestFederation(Path dir, DemoData data, String... coordinatorProperties) throws Exception {
        this.dir = dir;
        this.heartDisease = null;
        this.tcgaBrca = null;
        this.coordinator = InProcessCoordinator.start(dir.resolve("coordinator"), coordinatorProperties);
        this.api = coordinator.client();
        this.data = data;
    }

    /**
     * Hospitals whose data the test wrote itself ({@code data.path} of each site: a file or an image
     * folder); the test creates its studies with {@code api.studies().create}.
     */
    static TestFederation withSites(Path dir, List<DemoData.Site> sites, String... coordinatorProperties)
            throws Exception {
        var data = new DemoData("own", null, sites, "the test's own sites", dir.resolve("agents"));
        return new TestFederation(dir, data, coordinatorProperties);
    }

    /** The four Heart Disease centres as hospitals, each with its own file from {@code dataDir}. */
    static TestFederation heartDisease(Path dir, Path dataDir, String... coordinatorProperties) throws Exception {
        return new TestFederation(dir, dataDir, 4, coordinatorProperties);
    }

    /**
     * The six TCGA-BRCA regions as hospitals, each with its own file written from {@code dataDir};
     * each declares its real training size (the regions differ, 40 to 248 patients).
     */
    static TestFederation tcgaBrca(Path dir, Path dataDir, String... coordinatorProperties) throws Exception {
        return new TestFederation(dir, null, dataDir, 6, coordinatorProperties);
    }

    /**
     * The shared Heart Disease files ({@code shared/datasets/fed-heart-disease} next to the project
     * or one of its parents: a worktree's checkout sits deeper than the main one), if present.
     */
    static java.util.Optional<Path> sharedHeartDisease() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("datasets").resolve("fed-heart-disease");
            if (Files.isDirectory(candidate)) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }

    String createStudy(int rounds, int minSites, int timeoutSeconds) {
        return createStudy(rounds, minSites, timeoutSeconds, Map.of());
    }

    /** A study with extra spec entries, e.g. "secureAggregation" or "privacy". */
    String createStudy(int rounds, int minSites, int timeoutSeconds, Map<String, Object> extra) {
        var o = options(data.sites().size(), rounds);
        var spec = new java.util.HashMap<String, Object>(
                data.studySpec(o, DemoPrivacy.calibrate(PrivacyMode.PRIVACY_MODE_NONE, 1, rounds, List.of())));
        spec.put("minSites", minSites);
        spec.put("roundTimeoutSeconds", timeoutSeconds);
        spec.putAll(extra);
        return api.studies().create(spec).get("studyId").asString();
    }

    private DemoOptions options(int sites, int rounds) {
        if (tcgaBrca != null || heartDisease != null) {
            return DemoOptions.builder()
                    .dataset(tcgaBrca != null ? "tcga-brca" : "heart-disease")
                    .dataDir(tcgaBrca != null ? tcgaBrca : heartDisease)
                    .rounds(rounds)
                    .workDir(dir)
                    .privacy("none")
                    .secureAggregation(false)
                    .build();
        }
        return plainOptions(dir, sites, rounds);
    }

    /**
     * The demo's synthetic hospitals without the demo's privacy and secure aggregation: tests add
     * what they test to the study spec themselves.
     */
    static DemoOptions plainOptions(Path dir, int sites, int rounds) {
        return DemoOptions.builder()
                .sites(sites)
                .rounds(rounds)
                .workDir(dir)
                .privacy("none")
                .secureAggregation(false)
                .build();
    }

    JsonNode token(String siteName) {
        return api.enrollment().token(siteName, Duration.ofMinutes(10));
    }

    /** Enrolls a hand-driven site named {@code name} with a fresh token (see {@link RogueSite}). */
    RogueSite enrollRogue(String name) throws Exception {
        return enrollRogue(token(name), name);
    }

    /** Enrolls a hand-driven site named {@code name} with the given enrollment token. */
    RogueSite enrollRogue(JsonNode token, String name) throws Exception {
        return RogueSite.enroll(
                coordinator.agentAddress(),
                token.get("token").asString(),
                token.get("caFingerprint").asString(),
                name);
    }

    /** A channel to the agent port without a client certificate, trusting the coordinator as {@code trust} says. */
    ManagedChannel anonymousChannel(TrustManager... trust) {
        return RogueSite.anonymousChannel(coordinator.agentAddress(), trust);
    }

    /** A channel to the agent port without a client certificate, trusting the coordinator's CA. */
    ManagedChannel anonymousChannel() {
        return anonymousChannel(TlsTrust.coordinator(
                coordinator.bean(SiteCertificateAuthority.class).caCertificate()));
    }

    /** Enrolls and starts an agent for the i-th synthetic hospital. */
    SiteAgent startAgent(int i, String studyId, LocalLearner learner) throws Exception {
        return startAgent(i, studyId, learner, null);
    }

    /** As above, with the site admin's patient-level ε ceiling (null: none). */
    SiteAgent startAgent(int i, String studyId, LocalLearner learner, Double patientCeiling) throws Exception {
        return startAgent(i, java.util.Set.of(studyId), learner, patientCeiling);
    }

    /** As above, for a site whose admin accepted several studies. */
    SiteAgent startAgent(int i, java.util.Set<String> studyIds, LocalLearner learner, Double patientCeiling)
            throws Exception {
        return startAgent(i, pinned(studyIds), learner, patientCeiling, null);
    }

    /** The digest of each study's terms, as its site's admin pins it after reviewing GET /api/studies/{id}/terms. */
    Map<String, String> pinned(java.util.Collection<String> studyIds) {
        var out = new java.util.TreeMap<String, String>();
        studyIds.forEach(id -> out.put(id, api.studies().terms(id).get("digest").asString()));
        return out;
    }

    /**
     * As above, with the terms the site's admin pinned (study → digest) and the admin's ceiling per
     * patient over all studies (null: none).
     */
    SiteAgent startAgent(
            int i,
            Map<String, String> pinnedTerms,
            LocalLearner learner,
            Double patientCeiling,
            Double allStudiesCeiling)
            throws Exception {
        var site = data.sites().get(i);
        JsonNode token = token(site.name());
        Path agentDir = Files.createDirectories(dir.resolve("agents").resolve(site.name()));
        TestSplitSecrets.install(agentDir.resolve("work"), site.dataFile());
        var config = AgentConfig.builder(site.name(), site.dataFile(), agentDir.resolve("work"))
                .coordinators(List.of(coordinator.agentAddress()))
                .enrollment(
                        token.get("caFingerprint").asString(),
                        token.get("token").asString())
                .accepting(AgentConfig.accepting(
                        tcgaBrca != null ? data.trainingExamples(site) : DECLARED_TRAINING_EXAMPLES, pinnedTerms))
                .patientEpsilonCeiling(patientCeiling)
                .patientEpsilonCeilingAllStudies(allStudiesCeiling, AgentConfig.DEFAULT_ALL_STUDIES_DELTA)
                .build();
        return launch(config, site.dataFile(), learner);
    }

    /** Enrolls and starts the agents of the first {@code count} hospitals, each with its own data. */
    List<SiteAgent> startAgents(String studyId, int count) throws Exception {
        List<SiteAgent> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(startAgent(i, studyId, null));
        }
        return started;
    }

    /**
     * Starts the i-th hospital's agent again after it stopped: same work directory, so it keeps
     * its identity and ledger and needs no new enrollment token.
     */
    SiteAgent restartAgent(int i, String studyId, LocalLearner learner) throws Exception {
        var site = data.sites().get(i);
        Path agentDir = dir.resolve("agents").resolve(site.name());
        var config = AgentConfig.builder(site.name(), site.dataFile(), agentDir.resolve("work"))
                .coordinators(List.of(coordinator.agentAddress()))
                .accepting(AgentConfig.accepting(DECLARED_TRAINING_EXAMPLES, pinned(List.of(studyId))))
                .build();
        return launch(config, site.dataFile(), learner);
    }

    private SiteAgent launch(AgentConfig config, Path dataFile, LocalLearner learner) throws Exception {
        SiteAgent agent = SiteAgent.start(
                config,
                learner == null ? new Dl4jLearner(dataFile, SplitSecretFile.loadOrCreate(config.workDir())) : learner);
        agents.add(agent);
        return agent;
    }

    /** The i-th hospital's agent work directory (its ledger, audit heads, distrusted studies). */
    Path agentWorkDir(int i) {
        return dir.resolve("agents").resolve(data.sites().get(i).name()).resolve("work");
    }

    void awaitConnected(int n) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            int connected = 0;
            for (JsonNode s : api.sites().list()) {
                if (s.get("connected").asBoolean()) {
                    connected++;
                }
            }
            if (connected >= n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + n + " sites connected within 60 s");
    }

    JsonNode awaitStudyEnd(String studyId, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            JsonNode study = api.studies().get(studyId);
            String status = study.get("status").asString();
            if (!status.equals("RUNNING") && !status.equals("CREATED")) {
                return study;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("study " + studyId + " did not finish within " + timeout + ": "
                + api.studies().get(studyId));
    }

    /**
     * Waits for {@code sites} sites to connect, starts the study and waits up to {@code timeout}
     * for it to end; returns the study as the REST API then shows it.
     */
    JsonNode startAndAwaitEnd(String studyId, int sites, Duration timeout) throws InterruptedException {
        awaitConnected(sites);
        api.studies().start(studyId);
        return awaitStudyEnd(studyId, timeout);
    }

    /**
     * The plain run: a study of {@code rounds} rounds that needs every site, each site's agent
     * with its own data, started and awaited; fails unless the study completes.
     */
    String runStudy(int rounds) throws Exception {
        String studyId = createStudy(rounds, data.sites().size(), 60);
        startAgents(studyId, data.sites().size());
        JsonNode study = startAndAwaitEnd(studyId, data.sites().size(), Duration.ofMinutes(2));
        if (!study.get("status").asString().equals("COMPLETED")) {
            throw new AssertionError("study did not complete: " + study);
        }
        return studyId;
    }

    /** The final evaluation (EVALUATE round) of the study's last model. */
    JsonNode finalEvaluation(String studyId) {
        for (JsonNode r : api.studies().rounds(studyId)) {
            if (r.get("kind").asString().equals("EVALUATE")
                    && r.get("status").asString().equals("COMPLETED")) {
                return r.get("evaluation");
            }
        }
        throw new AssertionError("no completed final evaluation");
    }

    @Override
    public void close() {
        agents.forEach(SiteAgent::close);
        coordinator.close();
    }
}
