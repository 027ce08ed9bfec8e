package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.PinnedCaTrust;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollResponse;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.RoundTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What an enrolled site may do, and what it may not, over real gRPC with mutual TLS: enrollment
 * checks a request before it uses up the token; a site downloads only the models of studies it
 * accepted; a site revoked while its upload is in flight has nothing of it counted. And what the
 * coordinator keeps on disk is its own: owner-only, with nothing left in the spool of closed rounds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SiteBoundariesIntegrationTest {
    private TestFederation fed;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        fed = new TestFederation(dir, 1);
    }

    @AfterAll
    void stop() {
        fed.close();
    }

    private static Status.Code code(Throwable t) {
        return Status.fromThrowable(t).getCode();
    }

    private RogueSite enroll(String name) throws Exception {
        return fed.enrollRogue(name);
    }

    @Test
    void enrollmentRefusesABadRequestClearlyAndLeavesTheTokenUsable() throws Exception {
        JsonNode token = fed.token("careful");
        String fingerprint = token.get("caFingerprint").asString();
        SiteKeys keys = SiteKeys.generate();
        EnrollRequest good = EnrollRequest.newBuilder()
                .setToken(token.get("token").asString())
                .setCertificateRequest(ByteString.copyFrom(keys.certificateRequest("careful")))
                .setUpdateSigningPublicKey(ByteString.copyFrom(keys.updateSigningPublicKey()))
                .build();

        EnrollRequest garbledCsr = good.toBuilder()
                .setCertificateRequest(ByteString.copyFromUtf8("not a CSR"))
                .build();
        assertThatThrownBy(() -> enroll(fingerprint, garbledCsr))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageContaining("not a DER-encoded PKCS#10")
                .hasMessageContaining("token was not used");
        byte[] csr = keys.certificateRequest("careful");
        csr[csr.length - 5] ^= 1; // the CSR's self-signature no longer verifies
        EnrollRequest tampered =
                good.toBuilder().setCertificateRequest(ByteString.copyFrom(csr)).build();
        assertThatThrownBy(() -> enroll(fingerprint, tampered))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
        EnrollRequest badKey = good.toBuilder()
                .setUpdateSigningPublicKey(ByteString.copyFromUtf8("key"))
                .build();
        assertThatThrownBy(() -> enroll(fingerprint, badKey))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageContaining("Ed25519");

        // The token survived all three: the corrected request enrolls with it, once.
        long repeatsBefore = repeatsAudited();
        EnrollResponse first = enroll(fingerprint, good);
        assertThat(first.getSiteId()).startsWith("site-careful-");
        // The same request sent again (its answer lost to a deadline, say) gets the same answer: no second site.
        EnrollResponse again = enroll(fingerprint, good);
        assertThat(again.getSiteId()).isEqualTo(first.getSiteId());
        assertThat(again.getCertificate()).isEqualTo(first.getCertificate());
        // Anyone else holding the used token, with keys of their own, gets nothing.
        SiteKeys other = SiteKeys.generate();
        EnrollRequest otherKeys = good.toBuilder()
                .setCertificateRequest(ByteString.copyFrom(other.certificateRequest("careful")))
                .setUpdateSigningPublicKey(ByteString.copyFrom(other.updateSigningPublicKey()))
                .build();
        assertRefusedAsAlreadyUsed(fingerprint, otherKeys);
        EnrollRequest otherSigningKey = good.toBuilder()
                .setUpdateSigningPublicKey(ByteString.copyFrom(other.updateSigningPublicKey()))
                .build();
        assertRefusedAsAlreadyUsed(fingerprint, otherSigningKey);
        EnrollRequest otherCertificateKey = good.toBuilder()
                .setCertificateRequest(ByteString.copyFrom(other.certificateRequest("careful")))
                .build();
        assertRefusedAsAlreadyUsed(fingerprint, otherCertificateKey);
        // The agent signs its request afresh on every try, even under another subject: the same keys are the
        // same request.
        EnrollRequest resigned = good.toBuilder()
                .setCertificateRequest(ByteString.copyFrom(keys.certificateRequest("careful again")))
                .build();
        assertThat(enroll(fingerprint, resigned).getCertificate()).isEqualTo(first.getCertificate());
        assertThat(repeatsAudited() - repeatsBefore)
                .as("one audit entry per answered repeat")
                .isEqualTo(2);
        assertThat(fed.api.sites().list().findValues("siteId").stream()
                        .filter(id -> id.asString().startsWith("site-careful-"))
                        .count())
                .isEqualTo(1);
        // Once the site is revoked, its old request is answered "already used" like any other.
        fed.api.sites().revoke(first.getSiteId(), "test");
        assertRefusedAsAlreadyUsed(fingerprint, good);
    }

    /** The request is refused as any request with a used token is: PERMISSION_DENIED, "already used". */
    private void assertRefusedAsAlreadyUsed(String fingerprint, EnrollRequest request) {
        assertThatThrownBy(() -> enroll(fingerprint, request))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                .hasMessageContaining("already used");
    }

    /** ENROLLMENT_REPEATED entries in the coordinator's audit log so far (the tests share one coordinator). */
    private long repeatsAudited() {
        return fed.api.audit().entries(0, 1000).findValues("kind").stream()
                .filter(k -> k.asString().equals("ENROLLMENT_REPEATED"))
                .count();
    }

    @Test
    void anAgentStoppedBeforeItsEnrollmentsAnswerArrivedEnrollsWithTheSameKeysWhenStartedAgain(@TempDir Path dir)
            throws Exception {
        var site = fed.data.sites().get(0);
        JsonNode token = fed.token("restarted");
        String fingerprint = token.get("caFingerprint").asString();
        Path work = dir.resolve("work");
        // The first run kept its keys before its first try; its call reached the coordinator, which used the
        // token, and the run stopped before the answer arrived.
        SiteKeys keys = org.cohort.agent.PendingEnrollmentKeys.loadOrCreate(
                work, token.get("token").asString());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(org.cohort.agent.PendingEnrollmentKeys.file(work))))
                .isEqualTo("rw-------");
        EnrollResponse lost = enroll(
                fingerprint,
                EnrollRequest.newBuilder()
                        .setToken(token.get("token").asString())
                        .setCertificateRequest(ByteString.copyFrom(keys.certificateRequest("restarted")))
                        .setUpdateSigningPublicKey(ByteString.copyFrom(keys.updateSigningPublicKey()))
                        .build());
        var config = org.cohort.agent.AgentConfig.builder("restarted", site.dataFile(), work)
                .coordinators(List.of(fed.coordinator.agentAddress()))
                .enrollment(fingerprint, token.get("token").asString())
                .build();
        try (var agent = org.cohort.agent.SiteAgent.start(
                config,
                new org.cohort.agent.Dl4jLearner(
                        site.dataFile(), org.cohort.agent.SplitSecretFile.loadOrCreate(work)))) {
            assertThat(agent.siteId()).isEqualTo(lost.getSiteId());
        }
        assertThat(org.cohort.agent.PendingEnrollmentKeys.file(work)).doesNotExist();
    }

    @Test
    void everySiteNameTheApiAcceptsCanEnroll() throws Exception {
        // Names of 53 to 100 characters once passed the API but could never enroll.
        for (String name : List.of("A".repeat(53), "St Mary's Hospital " + "x".repeat(81), "U".repeat(100))) {
            try (var site = enroll(name)) {
                assertThat(site.siteId).hasSizeLessThanOrEqualTo(64).startsWith("site-");
            }
        }
        assertThatThrownBy(() -> fed.token("U".repeat(101)))
                .hasMessageContaining("answered 400")
                .hasMessageContaining("1 to 100");
    }

    @Test
    void aSiteDownloadsOnlyTheModelsOfStudiesItAccepted() throws Exception {
        String accepted = fed.createStudy(1, 5, 60);
        String other = fed.createStudy(1, 5, 60);
        try (var site = enroll("curious");
                var sessionless = enroll("sessionless")) {
            site.connect(List.of(accepted));
            awaitDownload(site.channel, accepted);
            assertThatThrownBy(() -> download(site.channel, other))
                    .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                    .hasMessageContaining("has not accepted the study");
            assertThatThrownBy(() -> download(site.channel, "no-such-study"))
                    .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
            assertThatThrownBy(() -> download(sessionless.channel, accepted))
                    .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                    .hasMessageContaining("no open session");
        }
    }

    @Test
    void aSiteRevokedMidUploadHasNothingCounted() throws Exception {
        String studyId = fed.createStudy(1, 1, 120);
        fed.startAgent(0, studyId, null);
        try (var streaming = enroll("streaming");
                var finishing = enroll("finishing")) {
            streaming.connect(List.of(studyId));
            finishing.connect(List.of(studyId));
            awaitDownload(streaming.channel, studyId);
            awaitDownload(finishing.channel, studyId);
            awaitAccepting(studyId, 3);
            fed.api.studies().start(studyId);

            RoundTask task = streaming.nextTask();
            int n = (int) streaming.modelLength(task);
            float[] update = new float[n];
            var manifestA = streaming.manifest(task, update);
            var partA = streaming.startPart(manifestA, 0, update, 0, n / 2);
            RoundTask taskB = finishing.nextTask();
            var manifestB = finishing.manifest(taskB, update);
            var partB = finishing.startPart(manifestB, 0, update, 0, n);
            awaitReceived(streaming, manifestA, n / 2);
            awaitReceived(finishing, manifestB, n);

            fed.api.sites().revoke(streaming.siteId, "left the network");
            fed.api.sites().revoke(finishing.siteId, "left the network");

            // On the stream: the next chunk is refused.
            partA.chunk(n / 2, java.util.Arrays.copyOfRange(update, n / 2, n));
            assertThatThrownBy(partA::finish)
                    .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                    .hasMessageContaining("revoked");
            // At completion: every value arrived before the revocation, and still nothing is counted.
            assertThatThrownBy(partB::finish)
                    .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                    .hasMessageContaining("revoked");

            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            JsonNode round = fed.api.studies().rounds(studyId).get(0);
            assertThat(round.get("reported").toString()).doesNotContain(streaming.siteId, finishing.siteId);
            assertThat(round.get("dropped").get(streaming.siteId).asString()).contains("revoked");
            assertThat(round.get("dropped").get(finishing.siteId).asString()).contains("revoked");
        }
    }

    @Test
    void dataIsOwnerOnlyAndTheSpoolKeepsNothingOfClosedRounds() throws Exception {
        Path data = fed.dir.resolve("coordinator");
        Path spool = data.resolve("spool");
        assertThat(permissions(data)).isEqualTo("rwx------");
        assertThat(permissions(spool)).isEqualTo("rwx------");
        // What an earlier version left: a directory per round, long closed.
        Files.createDirectories(spool.resolve("rd-closed-long-ago"));

        String studyId = fed.createStudy(1, 1, 120);
        try (var site = enroll("tidy")) {
            site.connect(List.of(studyId));
            awaitDownload(site.channel, studyId);
            fed.api.studies().start(studyId);
            RoundTask task = site.nextTask();
            float[] zeros = new float[(int) site.modelLength(task)];
            assertThat(site.upload(site.manifest(task, zeros), zeros).getAccepted())
                    .isTrue();
            site.nextTask(); // the final evaluation: the training round has closed
            fed.api.studies().stop(studyId);
        }
        fed.coordinator.bean(org.cohort.coordinator.grpc.UpdateService.class).sweepSpool();
        try (var left = Files.list(spool)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    private EnrollResponse enroll(String fingerprint, EnrollRequest request) {
        ManagedChannel channel = fed.anonymousChannel(PinnedCaTrust.forFingerprint(fingerprint));
        try {
            return EnrollmentGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                    .enroll(request);
        } finally {
            channel.shutdownNow();
        }
    }

    private static long download(ManagedChannel channel, String studyId) {
        var parts = ModelsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                .download(ModelRequest.newBuilder()
                        .setStudyId(studyId)
                        .setVersion(1)
                        .build());
        long count = 0;
        while (parts.hasNext()) {
            parts.next();
            count++;
        }
        return count;
    }

    /** The session's hello is handled asynchronously: waits until the site may download. */
    private static void awaitDownload(ManagedChannel channel, String studyId) throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                assertThat(download(channel, studyId)).isPositive();
                return;
            } catch (RuntimeException e) {
                if (i > 200 || code(e) != Status.Code.PERMISSION_DENIED) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static String permissions(Path p) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private void awaitAccepting(String studyId, int sites) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            int accepting = 0;
            for (JsonNode s : fed.api.sites().list()) {
                if (s.get("connected").asBoolean()
                        && s.get("acceptedStudies").toString().contains(studyId)) {
                    accepting++;
                }
            }
            if (accepting >= sites) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + sites + " sites accept " + studyId);
    }

    private static void awaitReceived(RogueSite site, org.cohort.protocol.v1.UpdateManifest m, long values)
            throws InterruptedException {
        for (int i = 0; i < 1500 && site.progress(m).getValuesReceived() < values; i++) {
            Thread.sleep(20);
        }
        assertThat(site.progress(m).getValuesReceived()).isEqualTo(values);
    }
}
