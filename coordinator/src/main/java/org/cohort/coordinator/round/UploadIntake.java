package org.cohort.coordinator.round;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.BooleanSupplier;
import org.cohort.coordinator.aggregation.DpFedAvg;
import org.cohort.coordinator.aggregation.RobustStrategy;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.compliance.RoundCompliance;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.coordinator.site.SiteLookup;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.NoisedConfusion;
import org.cohort.protocol.ScoreHistogram;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Everything a site's upload goes through on whichever replica receives it, and the one door the
 * upload service talks to: the signed manifest is read and verified, checked against its round,
 * its study's privacy and budget before any value is read ({@link UploadChecks},
 * {@link PrivacyChecks}); once the values are in, a plain update of a DP study is charged, the
 * checks run again (the round may have moved while the values arrived), the site's place is
 * claimed cluster-wide, the update is folded into this replica's partial sum and its report
 * recorded, and the driver is told. The driver then asks {@link #counted} whether that notice
 * still counts.
 *
 * <p>Charged on receipt, not at publication: once the coordinator has read an update it is spent,
 * whether or not this attempt goes on to use it (once per signed update: the same one re-sent after
 * a lost replica or a resume costs nothing more). A masked input is charged only if its sum is
 * unmasked, by {@link RoundPublisher}.
 */
@Component
public class UploadIntake {
    private static final Logger log = LoggerFactory.getLogger(UploadIntake.class);

    private final RoundStore store;
    private final RoundCluster cluster;
    private final PartialSums partials;
    private final StudyRepository studies;
    private final ModelRegistry registry;
    private final SiteLookup sites;
    private final RoundCompliance compliance;
    private final RoundRepository history;
    private final Clock clock;

    UploadIntake(
            RoundStore store,
            RoundCluster cluster,
            PartialSums partials,
            StudyRepository studies,
            ModelRegistry registry,
            SiteLookup sites,
            RoundCompliance compliance,
            RoundRepository history,
            Clock clock) {
        this.store = store;
        this.cluster = cluster;
        this.partials = partials;
        this.studies = studies;
        this.registry = registry;
        this.sites = sites;
        this.compliance = compliance;
        this.history = history;
        this.clock = clock;
    }

    /** Whether this replica may take uploads: it sees a quorum of the cluster. */
    public boolean servesAgents() {
        return cluster.inQuorum();
    }

    /** Whether the round still collects uploads: what is spooled for any other can go. */
    public boolean collecting(String roundId) {
        RoundState round = store.round(roundId);
        return round != null && round.isOpen();
    }

    /** The manifest of an upload's header, if it is one and names the site whose certificate made the call. */
    public UpdateManifest read(String site, byte[] manifestBytes) {
        UpdateManifest m;
        try {
            m = UpdateManifest.parseFrom(manifestBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UploadRejection(Reason.MALFORMED, "update manifest is not a valid UpdateManifest").asException();
        }
        if (!m.getSiteId().equals(site)) {
            throw new UploadRejection(
                            Reason.SITE_MISMATCH,
                            "manifest names site '" + m.getSiteId() + "' but the caller's certificate is site '" + site
                                    + "'")
                    .asException();
        }
        return m;
    }

    /**
     * Admits an upload's header before any value is read: the site's signature over the manifest,
     * then {@link #checkManifest}. Returns the L2 bound the values must keep, when the coordinator
     * can see it (see {@link #updateNormBound}).
     */
    public OptionalDouble admit(String site, UpdateManifest m, byte[] manifestBytes, byte[] signature) {
        byte[] key = sites.find(site).orElseThrow().updateSigningPublicKey();
        if (!SignatureVerifier.ed25519(key).verify(manifestBytes, signature)) {
            // Tampered in transit or signed with another key: this is not the site's update.
            throw new UploadRejection(
                            Reason.BAD_SIGNATURE,
                            "update signature does not verify with site " + site + "'s enrolled update-signing key")
                    .asException();
        }
        // A final evaluation's noised counts (confusion matrix or score histogram) travel in this signed header itself:
        // read now, so charged now,
        // before any check can refuse the upload (a refused evaluation was still released to this coordinator).
        if (m.getMetrics().getNoisedConfusionCount() > 0
                || m.getMetrics().getScoreHistogramNoise() > 0
                || m.getMetrics().getErrorSumsNoise() > 0) {
            chargeReceived(m, manifestBytes, signature, site);
        }
        var problem = checkManifest(m, site);
        if (problem.isPresent()) {
            throw problem.get().asException();
        }
        return m.getEncoding() != TensorEncoding.UINT32_RING_LE && m.getEncoding() != TensorEncoding.UINT16_RING_LE
                ? updateNormBound(roundFor(m, site))
                : OptionalDouble.empty();
    }

    /** Revocation reaches uploads in flight: asked again at every chunk, as the site's record stands now. */
    public void refuseIfRevoked(String site) {
        var revoked = RevokedUploads.check(sites.find(site), site);
        if (revoked.isPresent()) {
            throw revoked.get().asException();
        }
    }

    /**
     * The round an upload counts in: the one its manifest names, or, for a task that a buffered
     * round sent and that site was still training on when the round published, the study's round
     * that carried the task in ({@link CarriedTask}); null when the cluster knows neither.
     */
    RoundState roundFor(UpdateManifest m, String site) {
        RoundState named = store.round(m.getRoundId());
        if (named == null || named.isOpen() || !named.buffered()) {
            return named;
        }
        String activeId = store.activeRoundId(named.studyId());
        RoundState active = activeId == null ? null : store.round(activeId);
        CarriedTask carried = active == null ? null : active.carried().get(site);
        return carried != null && carried.roundId().equals(m.getRoundId()) ? active : named;
    }

    /**
     * The checks of a signed manifest against its round and study, before any value is read:
     * round, length, weight and counts against what the site declared ({@link UploadChecks}), the
     * privacy it declares ({@link PrivacyChecks}), and the study's budget: an update over budget
     * is refused here, before its values reach the coordinator, because once they have it is
     * charged whatever happens next.
     */
    Optional<UploadRejection> checkManifest(UpdateManifest m, String site) {
        var problem = checkRound(m, site);
        if (problem.isPresent()) {
            return problem;
        }
        RoundState state = roundFor(m, site);
        Study study = studies.find(state.studyId()).orElseThrow();
        return compliance
                .overBudget(study, ReleaseCharges.of(study, state, site, m, null, null))
                // Nothing of it is read: the ledger must never be asked to go past the budget.
                .map(reason -> new UploadRejection(Reason.OVER_BUDGET, reason));
    }

    /** {@link #checkManifest} without the budget: what must still hold when the values are in. */
    private Optional<UploadRejection> checkRound(UpdateManifest m, String site) {
        RoundState state = roundFor(m, site);
        Study study = state == null ? null : studies.find(state.studyId()).orElse(null);
        if (study == null) {
            return UploadChecks.check(null, m, site, -1, 0);
        }
        var dp = study.spec().privacy();
        var problem = UploadChecks.check(
                state,
                m,
                site,
                modelLength(state),
                study.spec().dataset().testFraction(),
                new UploadChecks.HeldOutRule(
                        dp != null && dp.enabled(),
                        dp == null ? 0 : dp.evaluationNoise(),
                        study.spec().dataset().numClasses(),
                        study.spec().dataset().survival(),
                        study.spec().dataset().regression(),
                        org.cohort.protocol.ScoreHistogram.binsOf(
                                study.spec().dataset().scoreBins() == null
                                        ? 0
                                        : study.spec().dataset().scoreBins())),
                org.cohort.coordinator.study.StudySpec.Transfer.of(study.spec().transfer()),
                org.cohort.coordinator.study.RingWidth.bits(
                        study.spec(), state.selected().size()),
                study.spec().uploadVectors());
        return problem.isPresent() ? problem : PrivacyChecks.check(study.spec().privacy(), state.kind(), m);
    }

    /** Values an upload of the round would carry with every parameter of the model (× SCAFFOLD's two vectors). */
    private long fullValues(Study study, RoundState state) {
        return registry.find(state.studyId(), state.baseVersion())
                        .map(ModelVersion::numParameters)
                        .orElse(0L)
                * study.spec().uploadVectors();
    }

    /** Values of one model-sized vector of the round's updates: the trainable part when layers are frozen. */
    private long modelLength(RoundState state) {
        Study study = studies.find(state.studyId()).orElse(null);
        return registry.find(state.studyId(), state.baseVersion())
                .map(ModelVersion::numParameters)
                .map(n -> study == null ? n : org.cohort.coordinator.study.TrainableParameters.updateLength(study, n))
                .orElse(-1L);
    }

    /**
     * The L2 bound every update of the round must keep, when the coordinator can see it: a plain
     * training round of a site-level DP study (each site clips its whole update to C; the noise
     * added to the sum is calibrated to exactly that). Empty otherwise — under secure aggregation
     * only the agent can enforce it, before masking.
     */
    private OptionalDouble updateNormBound(RoundState state) {
        if (state == null || state.kind() != RoundKind.TRAIN || state.secure()) {
            return OptionalDouble.empty();
        }
        var dp = studies.find(state.studyId()).map(s -> s.spec().privacy()).orElse(null);
        return dp != null && dp.siteLevel() && dp.clipNorm() != null
                ? OptionalDouble.of(dp.clipNorm())
                : OptionalDouble.empty();
    }

    /**
     * Takes a fully received and verified upload (values spooled to {@code spool}): charges it if it
     * is a plain training update of a DP study, checks it again, and holds it here ({@link #hold}).
     * The spool file is gone when this returns, whatever happened.
     *
     * @param manifestBytes the manifest exactly as the site signed it
     * @param signature     the site's signature over {@code manifestBytes}
     * @throws UploadRejection.Exception when the upload is not counted
     */
    public void accept(UpdateManifest m, byte[] manifestBytes, byte[] signature, String site, Path spool) {
        Checked c;
        try {
            chargeReceived(m, manifestBytes, signature, site);
            // Revoked while the upload was in flight: received (and charged, it was read) but not counted.
            refuseIfRevoked(site);
            var problem = checkRound(m, site);
            if (problem.isPresent()) {
                throw problem.get().asException();
            }
            RoundState state = roundFor(m, site);
            c = new Checked(state, studies.find(state.studyId()).orElseThrow());
        } catch (RuntimeException e) {
            deleteQuietly(spool);
            throw e;
        }
        hold(c, m, manifestBytes, signature, site, spool);
    }

    /** Charges a plain training update whose values have been received and verified, if its study is under DP. */
    private void chargeReceived(UpdateManifest m, byte[] manifestBytes, byte[] signature, String site) {
        RoundState state = roundFor(m, site);
        if (state == null
                || state.secure()
                || !state.selected().contains(site)
                || !MessageDigest.isEqual(state.task(site).nonce(), m.getNonce().toByteArray())) {
            return; // not an update of this round: its header would have been refused, and nothing was read
        }
        Study study = studies.find(state.studyId()).orElse(null);
        ReleaseCharge charge =
                study == null ? null : ReleaseCharges.of(study, state, site, m, manifestBytes, signature);
        if (charge != null && compliance.chargeRelease(charge, RoundCompliance.Released.UPLOAD_RECEIVED)) {
            log.info("charged {}: {}", charge.release(), charge.charge().event().describe());
        }
    }

    /** An upload that passed the round's checks, with the study it belongs to. */
    private record Checked(RoundState state, Study study) {}

    /**
     * Claims the site's place in the round for this replica (one claim per site and round in the
     * whole cluster), folds the update into this replica's partial sum while the round is still
     * collecting, records the report and tells the driver.
     */
    private void hold(Checked c, UpdateManifest m, byte[] manifestBytes, byte[] signature, String site, Path spool) {
        String roundId = c.state().roundId();
        String me = partials.memberUuid();
        String holder = store.claim(roundId, site, me);
        // A claim of a replica that left the cluster is stale: its upload is lost and this one replaces it.
        if (holder != null
                && (cluster.aliveMembers().contains(holder) || !store.moveClaim(roundId, site, holder, me))) {
            deleteQuietly(spool);
            throw new UploadRejection(
                            Reason.ALREADY_REPORTED,
                            "an update of site " + site + " for round " + roundId
                                    + " is already held by coordinator replica " + holder)
                    .asException();
        }
        boolean training = c.state().kind() == RoundKind.TRAIN;
        boolean masked = training && c.state().secure();
        var contribution = new PartialSums.Contribution(site, weight(c, site), manifestBytes, signature);
        boolean held;
        try {
            double staleness = training && !masked ? staleness(c.state(), site) : 1;
            if (staleness != 1) {
                SpooledValues.scale(spool, m.getNumParameters(), staleness);
            }
            held = masked
                    ? partials.foldMasked(
                            roundId,
                            (int) m.getNumParameters(),
                            stillCollecting(roundId, site, true),
                            contribution,
                            spool)
                    : partials.fold(
                            roundId,
                            training ? m.getNumParameters() : 0,
                            stillCollecting(roundId, site, false),
                            contribution,
                            training ? spool : null,
                            training && Strategy.forStudy(c.study().spec()) instanceof RobustStrategy);
        } catch (RuntimeException e) {
            store.releaseClaim(roundId, site, me);
            throw e;
        } finally {
            deleteQuietly(spool);
        }
        if (!held) {
            store.releaseClaim(roundId, site, me);
            throw new UploadRejection(
                            Reason.ROUND_CLOSED,
                            masked
                                    ? "the masked input of " + site
                                            + " arrived outside round " + roundId
                                            + "'s masked-input stage; it is accepted only after the key"
                                            + " exchange and before the stage closes"
                                    : "round " + roundId + " stopped collecting while the" + " update of " + site
                                            + " arrived")
                    .asException();
        }
        recordAccepted(c.state(), site, m);
        cluster.tellDriver(new LeaderInbox.UploadHeld(roundId, site, me));
    }

    /**
     * FedAvg weighs an update by the training size its site declared when it accepted the study
     * (checked equal to the manifest's); DP-FedAvg and secure sums weigh every site the same.
     */
    private static long weight(Checked c, String site) {
        boolean training = c.state().kind() == RoundKind.TRAIN;
        if (!training || c.state().secure()) {
            return 1;
        }
        return c.study().spec().privacy().siteLevel()
                ? DpFedAvg.weight()
                : c.state().declaredExamples().get(site);
    }

    /**
     * FedBuff's s(τ) for an update of a buffered round trained from a version τ versions older than
     * the round's base ({@link org.cohort.coordinator.aggregation.FedBuff#staleness}); 1 otherwise.
     */
    static double staleness(RoundState state, String site) {
        long tau = state.baseVersion() - state.task(site).baseVersion();
        return state.buffered() && tau != 0 ? org.cohort.coordinator.aggregation.FedBuff.staleness(tau) : 1;
    }

    /** Asked under the partial sum's lock, so an upload is either in the sealed sum or refused as late. */
    private BooleanSupplier stillCollecting(String roundId, String site, boolean masked) {
        return () -> {
            if (!cluster.inQuorum()) {
                return false; // cut off from the majority: what it would hold here is lost to the round
            }
            RoundState now = store.round(roundId);
            if (now == null || !now.isOpen() || !now.outstanding().contains(site)) {
                return false;
            }
            // A masked input counts only in the masked-input stage, from a site whose shares were relayed.
            var roster = masked ? store.maskedInputRoster(roundId) : null;
            return !masked || roster != null && roster.containsKey(site);
        };
    }

    private void recordAccepted(RoundState state, String site, UpdateManifest m) {
        var metrics = m.getMetrics();
        history.insertReport(
                state.roundId(),
                site,
                "ACCEPTED",
                m.getExampleCount(),
                metrics.getTrainLossWithheld() ? null : metrics.getTrainLoss(),
                metrics.getTrainMillis(),
                null,
                clock.instant());
        if (state.kind() == RoundKind.TRAIN && m.getNumParameters() > 0) {
            studies.find(state.studyId())
                    .ifPresent(study -> history.recordUploadSize(
                            state.roundId(), site, UploadSize.of(m, fullValues(study, state))));
        }
        var noised = NoisedConfusion.from(metrics);
        long evaluated = state.task(site).baseVersion(); // a carried task evaluated the version it trained from
        var scores = ScoreHistogram.from(metrics);
        var errors = org.cohort.protocol.ErrorSums.from(metrics);
        if (errors != null && (errors.noised() || errors.count() > 0)) {
            history.recordErrors(state.studyId(), evaluated, site, errors, metrics.getTestLoss());
        } else if (noised != null) {
            history.recordNoisedEvaluation(state.studyId(), evaluated, site, noised);
        } else if (scores != null && scores.noised()) {
            history.recordNoisedScores(state.studyId(), evaluated, site, scores);
        } else if (metrics.getTestExamples() > 0) {
            history.recordEvaluation(
                    state.studyId(),
                    evaluated,
                    site,
                    metrics.getTestExamples(),
                    metrics.getTestCorrect(),
                    metrics.getTestLoss(),
                    scores);
        }
    }

    /**
     * An upload was refused. Only a site's own, authenticated attempt at the current round drops
     * it from that round (so the others need not wait for the deadline); a replay or an upload for
     * a closed round changes nothing.
     *
     * @param m the upload's manifest, null when its header was never read
     */
    public void refused(UpdateManifest m, String site, UploadRejection rejection) {
        if (m == null || !m.getSiteId().equals(site)) {
            return;
        }
        RoundState round = roundFor(m, site);
        // Too late for its buffer (it was being published): the driver drops the site from the round
        // that carries its task, if one does by then, so that it is not waited for and gets a fresh one.
        boolean lateForBuffer = rejection.reason() == Reason.ROUND_CLOSED && round != null && round.buffered();
        if (!dropsTheSite(rejection.reason()) && !lateForBuffer) {
            return;
        }
        if (round != null
                && MessageDigest.isEqual(round.task(site).nonce(), m.getNonce().toByteArray())) {
            cluster.tellDriver(new LeaderInbox.SiteDropped(
                    round.roundId(), site, lateForBuffer ? "LATE" : "REJECTED", rejection.message()));
        }
    }

    private static boolean dropsTheSite(Reason reason) {
        return switch (reason) {
            case WRONG_LENGTH,
                    NON_FINITE,
                    DIGEST_MISMATCH,
                    WRONG_ENCODING,
                    BAD_EXAMPLE_COUNT,
                    MALFORMED,
                    WRONG_BASE_VERSION,
                    BAD_SIGNATURE,
                    OVER_BUDGET,
                    OVER_NORM,
                    REVOKED -> true;
            default -> false;
        };
    }

    /**
     * On the driver: an upload was folded into a replica's partial sum. It counts if the round
     * still expects the site and that replica is alive and still holds the claim; otherwise it is
     * closed, already counted, or its holder is gone (the loss is handled on its own).
     *
     * @return the round's transition when it counts
     */
    Optional<Transition> counted(LeaderInbox.UploadHeld h) {
        RoundState state = store.round(h.roundId());
        if (state == null
                || !state.isOpen()
                || !state.outstanding().contains(h.siteId())
                || !h.memberUuid().equals(store.claimHolder(h.roundId(), h.siteId()))
                || !cluster.aliveMembers().contains(h.memberUuid())) {
            return Optional.empty();
        }
        return Optional.of(RoundStateMachine.onUploadAccepted(state, h.siteId()));
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // removed with the spool directory
        }
    }
}
