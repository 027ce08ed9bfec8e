package org.cohort.simulation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.NoiseCalibration;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * The demo's differential privacy: noise calibrated so that every site ends the study at or
 * below the target ε (at δ, RDP accountant), given each site's training rows, the plan and the
 * number of rounds — the same schedule the agents run (DP-SGD with {@link DpSgdPlan#ofEpochs})
 * and the accountants charge. Patient-level: each site calibrates its own σ (the study's is the
 * smallest of them, as a floor); site-level: one σ for the sum.
 *
 * @param mode        none, patient (DP-SGD at each site) or site (DP-FedAvg)
 * @param sigma       the study's noise multiplier (patient-level: the floor under the sites' own); NaN without DP
 * @param explanation one paragraph for the demo's output
 */
record DemoPrivacy(
        PrivacyMode mode, double targetEpsilon, double delta, double clipNorm, double sigma, String explanation) {
    static final double DELTA = 1e-5;
    static final double CLIP_NORM = 1.0;
    /**
     * Noise comes from a lattice (granular) Gaussian, or for site-level DP under secure
     * aggregation from the sites' discrete Gaussian shares in the ring, accounted with a σ
     * smaller by the rounding (σ_eff = z·C / (C + γ√d)); calibrating a little high keeps the
     * charged ε under the target.
     */
    static final double LATTICE_MARGIN = 1.005;

    static DemoPrivacy calibrate(PrivacyMode mode, double targetEpsilon, int rounds, List<Integer> trainRowsBySite) {
        return calibrate(mode, targetEpsilon, rounds, trainRowsBySite, true);
    }

    /**
     * As above; {@code evaluationRelease} false for a study whose sites release no final evaluation
     * under patient-level DP (a survival study: its C-index counts pairs of patients), so the whole
     * budget goes to training.
     */
    static DemoPrivacy calibrate(
            PrivacyMode mode,
            double targetEpsilon,
            int rounds,
            List<Integer> trainRowsBySite,
            boolean evaluationRelease) {
        return switch (mode) {
            case PRIVACY_MODE_NONE, PRIVACY_MODE_UNSPECIFIED ->
                new DemoPrivacy(
                        mode,
                        Double.NaN,
                        DELTA,
                        Double.NaN,
                        Double.NaN,
                        "privacy: none (plaintext updates; for comparison only)");
            case PRIVACY_MODE_PATIENT -> {
                // Each site calibrates its own σ (the study's calibrateAtSites): a small site needs
                // much more noise than a large one for the same ε, and one σ for all would make
                // every site pay for the smallest. The study's σ is the floor: the least any uses.
                var sigmas = new ArrayList<String>();
                double floor = Double.POSITIVE_INFINITY;
                // The final evaluation's noised release is charged to the same budget, and sites reserve it
                // when they calibrate (the study's default evaluation noise): shown the way they compute it.
                double sigmaEval = NoiseCalibration.noiseMultiplier(
                        z -> List.of(new PrivacyEvent.SampledGaussian(1.0, z, 1)),
                        org.cohort.coordinator.study.StudySpec.Privacy.DEFAULT_EVALUATION_SHARE * targetEpsilon,
                        DELTA,
                        AccountantKind.RDP);
                for (int rows : trainRowsBySite) {
                    double s = LATTICE_MARGIN
                            * NoiseCalibration.noiseMultiplier(
                                    z -> {
                                        var events = new ArrayList<>(patientSchedule(z, rows, rounds));
                                        if (evaluationRelease) {
                                            events.add(new PrivacyEvent.SampledGaussian(1.0, sigmaEval, 1));
                                        }
                                        return events;
                                    },
                                    targetEpsilon,
                                    DELTA,
                                    AccountantKind.RDP);
                    floor = Math.min(floor, s);
                    sigmas.add(String.format(Locale.ROOT, "%.2f (%d rows)", s, rows));
                }
                yield new DemoPrivacy(
                        mode,
                        targetEpsilon,
                        DELTA,
                        CLIP_NORM,
                        floor,
                        String.format(
                                Locale.ROOT,
                                "privacy: patient-level DP-SGD at every site (per-patient clipping C = %.1f, Poisson sampling"
                                        + " with expected batch %d, %d local epoch%s per round); each site calibrates its noise"
                                        + " multiplier to its own data so that it ends %d rounds%s at ε ≤ %s (patient-level,"
                                        + " δ = %s, RDP accountant, improved conversion): σ = %s",
                                CLIP_NORM,
                                DemoPlan.BATCH_SIZE,
                                DemoPlan.DP_LOCAL_EPOCHS,
                                DemoPlan.DP_LOCAL_EPOCHS == 1 ? "" : "s",
                                rounds,
                                evaluationRelease
                                        ? String.format(
                                                Locale.ROOT,
                                                " and the noised final evaluation (σ_eval = %.1f per count)",
                                                sigmaEval)
                                        : " (no evaluation is released: a C-index counts pairs of patients)",
                                targetEpsilon,
                                "1e-5",
                                String.join(", ", sigmas)));
            }
            case PRIVACY_MODE_SITE -> {
                double z = LATTICE_MARGIN
                        * NoiseCalibration.noiseMultiplier(
                                s -> List.of(new PrivacyEvent.SampledGaussian(1.0, s, rounds)),
                                targetEpsilon,
                                DELTA,
                                AccountantKind.RDP);
                yield new DemoPrivacy(
                        mode,
                        targetEpsilon,
                        DELTA,
                        CLIP_NORM,
                        z,
                        String.format(
                                Locale.ROOT,
                                "privacy: site-level DP-FedAvg (each site's update clipped to C = %.1f, Gaussian noise"
                                        + " z = %.4f on the sum, added by the sites inside the ring under secure aggregation,"
                                        + " every site in every round: q = 1); ε ≤ %s per site after %d"
                                        + " rounds (site-level, δ = %s, RDP accountant). With only %d sites this much"
                                        + " noise swamps the model: site-level DP needs hundreds of sites.",
                                CLIP_NORM,
                                z,
                                targetEpsilon,
                                rounds,
                                "1e-5",
                                trainRowsBySite.size()));
            }
            default -> throw new IllegalArgumentException("--privacy must be none, patient or site");
        };
    }

    /** One site's whole study: R rounds of DP-SGD, each {@link DpSgdPlan#ofEpochs} of the demo plan. */
    static List<PrivacyEvent> patientSchedule(double sigma, int rows, int rounds) {
        var perRound = DpSgdPlan.ofEpochs(sigma, CLIP_NORM, DemoPlan.BATCH_SIZE, rows, DemoPlan.DP_LOCAL_EPOCHS);
        var events = new ArrayList<PrivacyEvent>();
        events.add(new PrivacyEvent.SampledGaussian(perRound.samplingRate(), sigma, perRound.steps() * rounds));
        return events;
    }

    boolean enabled() {
        return PrivacyWords.isPrivate(mode);
    }

    /** The study's "privacy" section (REST body). */
    Map<String, Object> studyJson() {
        var m = new LinkedHashMap<String, Object>();
        m.put("mode", PrivacyWords.word(mode));
        if (enabled()) {
            m.put("clipNorm", clipNorm);
            m.put("noiseMultiplier", sigma);
            m.put("delta", delta);
            m.put("epsilonBudget", targetEpsilon);
            m.put("accountant", PrivacyWords.word(AccountantKind.RDP));
            m.put("expectedBatchSize", DemoPlan.BATCH_SIZE);
            if (mode == PrivacyMode.PRIVACY_MODE_PATIENT) {
                m.put("calibrateAtSites", true);
            }
        }
        return m;
    }
}
