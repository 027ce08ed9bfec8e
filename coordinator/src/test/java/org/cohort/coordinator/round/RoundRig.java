package org.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.cohort.coordinator.audit.TestSigner;
import org.cohort.coordinator.site.Site;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.crypto.MutableClock;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.SiteMetrics;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * One replica's round engine wired by hand as Spring wires it, on the in-memory {@link RoundStore},
 * a {@link FakeCluster}, partial sums in a test directory and fakes for the database-backed
 * pieces; time moves only with {@link #clock}. Helpers enrol sites, create studies with a base
 * model, and send uploads as an agent would (signed manifest, spooled values).
 */
final class RoundRig {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    static final String ME = "replica-a";
    static final int PARAMETERS = 8;
    static final long DECLARED = 100;

    final Path dir;
    final MutableClock clock = new MutableClock(T0);
    final MapRoundStore store = MapRoundStore.inMemory();
    final FakeCluster cluster = new FakeCluster(ME);
    final LocalReplicas replicas;
    final SecureRounds secureRounds = new SecureRounds();
    final FakeStudies studies = new FakeStudies();
    final FakeHistory history = new FakeHistory();
    final FakeRegistry registry;
    final FakeCompliance compliance = new FakeCompliance(clock);
    final FakeAudit audit = new FakeAudit();
    final Map<String, Site> siteRecords = new TreeMap<>();
    final Map<String, TestSigner> keys = new HashMap<>();
    final RoundEnding ending;
    final RoundTasks tasks;
    final UploadIntake intake;
    final SecureRoundDriver secure;
    final RoundPublisher publisher;
    final DriverTakeover takeover;
    final RoundOrchestrator orchestrator;

    RoundRig(Path dir) {
        this.dir = dir;
        this.replicas = new LocalReplicas(cluster, dir.resolve("partial-sums"));
        this.registry = new FakeRegistry(dir, clock);
        var sites = (org.cohort.coordinator.site.SiteLookup) id -> Optional.ofNullable(siteRecords.get(id));
        ending = new RoundEnding(store, cluster, replicas, secureRounds, studies, history, audit, clock);
        tasks = new RoundTasks(
                store,
                cluster,
                secureRounds,
                sites,
                studies,
                history,
                registry,
                compliance,
                audit,
                new TaskFactory(),
                clock);
        intake =
                new UploadIntake(store, cluster, replicas.of(ME), studies, registry, sites, compliance, history, clock);
        secure = new SecureRoundDriver(store, cluster, replicas, secureRounds, studies, clock);
        publisher = new RoundPublisher(
                store,
                secureRounds,
                new PartialSumMerge(replicas, registry),
                ending,
                studies,
                registry,
                compliance,
                audit,
                clock);
        takeover = new DriverTakeover(store, cluster, replicas, secureRounds, history, clock);
        orchestrator = new RoundOrchestrator(
                store,
                cluster,
                replicas.of(ME),
                studies,
                tasks,
                intake,
                secure,
                publisher,
                ending,
                takeover,
                secureRounds,
                clock);
    }

    /** Enrols the sites (each with its own update-signing key) and connects them, accepting the study. */
    void connect(String studyId, String... siteIds) {
        for (String site : siteIds) {
            keys.computeIfAbsent(site, s -> new TestSigner());
            siteRecords.putIfAbsent(
                    site,
                    new Site(
                            site,
                            site,
                            site + "-serial",
                            T0.plusSeconds(86_400),
                            keys.get(site).publicKey(),
                            "test",
                            T0,
                            null,
                            null));
            cluster.connected.computeIfAbsent(studyId, s -> new TreeMap<>()).put(site, DECLARED);
        }
    }

    void revoke(String site) {
        Site s = siteRecords.get(site);
        siteRecords.put(
                site,
                new Site(
                        s.siteId(),
                        s.siteName(),
                        s.certificateSerialHex(),
                        s.certificateNotAfter(),
                        s.updateSigningPublicKey(),
                        s.agentVersion(),
                        s.enrolledAt(),
                        clock.instant(),
                        "test"));
    }

    /** A running study at model version 1 (all zeros), {@code rounds} training rounds of at least {@code minSites}. */
    Study study(String studyId, StudySpec spec) {
        var study = new Study(studyId, spec, "{}", StudyStatus.RUNNING, "created", 1, 0, T0, T0);
        studies.insert(study);
        registry.publish(studyId, 1, 0, 0, "{}", new float[PARAMETERS], List.of());
        return study;
    }

    static StudySpec spec(
            int rounds, int minSites, int maxRetries, StudySpec.Privacy privacy, StudySpec.SecureAggregation secure) {
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "target", null, null, null);
        return new StudySpec(
                        "test", null, null, dataset, rounds, minSites, 60, maxRetries, "fedavg", privacy, secure, null)
                .withDefaults();
    }

    /** Site-level DP: the coordinator prices each update itself (nothing to declare in the manifest). */
    static StudySpec.Privacy siteLevel() {
        return new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 100.0, Accountant.ACCOUNTANT_RDP, null, false);
    }

    RoundState active(String studyId) {
        String id = store.activeRoundId(studyId);
        return id == null ? null : store.round(id);
    }

    /** The manifest an honest agent signs for its plain update of the round. */
    UpdateManifest manifest(String site, RoundState round, byte[] values, TensorEncoding encoding) {
        return UpdateManifest.newBuilder()
                .setSiteId(site)
                .setRoundId(round.roundId())
                .setNonce(ByteString.copyFrom(round.nonce()))
                .setBaseModelVersion(round.baseVersion())
                .setNumParameters(values.length / 4)
                .setEncoding(encoding)
                .setPayloadSha256(ByteString.copyFrom(sha256(values)))
                .setExampleCount(DECLARED)
                .setMetrics(SiteMetrics.newBuilder().setTrainLoss(0.5).setTestMetricsWithheld(true))
                .build();
    }

    /** A plain training update, received in full and verified, handed to the intake as the upload service does. */
    void upload(String site, RoundState round, float... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        send(site, manifest(site, round, buf.array(), TensorEncoding.FLOAT32_LE), buf.array());
    }

    /** A masked input of secure aggregation, as {@link #upload} does a plain update. */
    void uploadMasked(String site, RoundState round, int[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buf.putInt(v);
        }
        send(site, manifest(site, round, buf.array(), TensorEncoding.UINT32_RING_LE), buf.array());
    }

    private void send(String site, UpdateManifest m, byte[] values) {
        byte[] manifestBytes = m.toByteArray();
        intake.accept(m, manifestBytes, keys.get(site).sign(manifestBytes), site, spool(values));
    }

    private Path spool(byte[] values) {
        try {
            Files.createDirectories(dir.resolve("spool"));
            return Files.write(Files.createTempFile(dir.resolve("spool"), "upload", ".f32"), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
