package org.cohort.coordinator.round;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import org.cohort.coordinator.ledger.Release;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.coordinator.study.Study;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.privacy.sitelevel.SiteLevelAccounting;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * What releasing a site's update costs it, as a charge of one attempt and one signed update. Pure:
 * the intake prices an update before reading it (to refuse one over budget) and when it is in, the
 * secure driver prices the masked inputs before their sum is unmasked, and the publisher prices
 * what the merged partial sums hold; all three must agree to the last digit, so they share this.
 */
final class ReleaseCharges {
    private ReleaseCharges() {}

    /**
     * What releasing this update costs its site ({@link #training}, or {@link #evaluation} for a
     * final evaluation); null for a study without DP or an evaluation that releases nothing.
     *
     * @param manifestBytes the manifest exactly as the site signed it (null while only its header is checked)
     */
    static ReleaseCharge of(
            Study study, RoundState state, String site, UpdateManifest m, byte[] manifestBytes, byte[] signature) {
        SiteCharge charge =
                state.kind() == RoundKind.TRAIN ? training(study, state, site, m) : evaluation(study, site, m);
        return charge == null
                ? null
                : new ReleaseCharge(
                        // A carried task is charged as the attempt that sent it: what the site signed and its ledger
                        // shows.
                        Release.of(
                                state.studyId(),
                                state.task(site).roundNumber(),
                                state.task(site).roundId(),
                                state.task(site).attempt(),
                                site,
                                m.getPayloadSha256().toByteArray(),
                                manifestBytes,
                                signature),
                        charge);
    }

    /** What an upload a replica holds costs its site, from the signed manifest the replica kept with it. */
    static Optional<ReleaseCharge> of(Study study, RoundState state, PartialSums.Contribution c) {
        try {
            return Optional.ofNullable(
                    of(study, state, c.siteId(), UpdateManifest.parseFrom(c.manifest()), c.manifest(), c.signature()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a held manifest of site " + c.siteId() + " is unreadable", e);
        }
    }

    /**
     * What a site's accepted training update costs it: for patient-level DP the DP-SGD run it
     * declared (checked by {@link PrivacyChecks}); for site-level DP the Gaussian mechanism on the
     * clipped update, one release per round, charged with σ_eff = noise std / effective
     * sensitivity: central noise on the 2^-24 grid, or in a secure round the sites' distributed
     * discrete Gaussian with the fewest survivors the round can release and the ring's rounding
     * ({@link SiteLevelAccounting}). Every connected site that accepted the study is selected, so
     * the site-sampling rate is 1 (no amplification claimed).
     */
    private static SiteCharge training(Study study, RoundState state, String site, UpdateManifest m) {
        var dp = study.spec().privacy();
        if (dp == null || !dp.enabled()) {
            return null;
        }
        if (dp.siteLevel()) {
            long d = Math.max(1, m.getNumParameters());
            double sigmaEff = state.secure()
                    ? SecureRound.siteNoise(study.spec(), state.selected().size(), d)
                            .effectiveNoiseMultiplier()
                    : SiteLevelAccounting.centralNoiseMultiplier(dp.noiseMultiplier(), dp.clipNorm(), d);
            return new SiteCharge(site, Unit.SITE, new PrivacyEvent.SampledGaussian(1.0, sigmaEff, 1));
        }
        SiteCharge declared = SiteCharge.fromManifest(m);
        return declared == null ? null : new SiteCharge(site, declared.unit(), declared.event());
    }

    /**
     * What a final evaluation's noised counts cost its site: a binary study's score histogram or a
     * multiclass study's confusion matrix, each one Gaussian mechanism of sensitivity 1 (one patient,
     * one count), or a regression study's error sums, one Gaussian mechanism of sensitivity √3 whose
     * noise is √3 times its multiplier ({@link org.cohort.protocol.ErrorSums}); each at the smaller of
     * the study's evaluation noise multiplier and the one the site's noise states (a site claiming less
     * noise is charged for less); an upload carrying several (refused, but read) is charged for each;
     * null when it releases none.
     */
    private static SiteCharge evaluation(Study study, String site, UpdateManifest m) {
        var metrics = m.getMetrics();
        double term =
                study.spec().privacy() == null ? 0 : study.spec().privacy().evaluationNoise();
        int releases = (metrics.getNoisedConfusionCount() > 0 ? 1 : 0)
                + (metrics.getScoreHistogramCount() > 0 ? 1 : 0)
                + (metrics.getErrorSumsCount() > 0 ? 1 : 0);
        if (releases == 0 || !(term > 0) || m.getPayloadSha256().size() != 32) {
            return null;
        }
        double sigma = term;
        if (metrics.getNoisedConfusionCount() > 0 && metrics.getConfusionNoise() > 0) {
            sigma = Math.min(sigma, metrics.getConfusionNoise());
        }
        if (metrics.getScoreHistogramCount() > 0 && metrics.getScoreHistogramNoise() > 0) {
            sigma = Math.min(sigma, metrics.getScoreHistogramNoise());
        }
        if (metrics.getErrorSumsCount() > 0 && metrics.getErrorSumsNoise() > 0) {
            sigma = Math.min(sigma, metrics.getErrorSumsNoise() / org.cohort.protocol.ErrorSums.SENSITIVITY);
        }
        return new SiteCharge(site, Unit.PATIENT, new PrivacyEvent.SampledGaussian(1.0, sigma, releases));
    }
}
