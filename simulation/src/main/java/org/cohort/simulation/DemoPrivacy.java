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

/**
 * The demo's differential privacy: the noise multiplier calibrated so that every site ends the
 * study at or below the target ε (at δ, RDP accountant), given each site's training rows, the
 * plan and the number of rounds — the same schedule the agents run (DP-SGD with
 * {@link DpSgdPlan#ofEpochs}) and the accountants charge.
 *
 * @param mode        "none", "patient" (DP-SGD at each site) or "site" (DP-FedAvg)
 * @param sigma       the study's noise multiplier; NaN for "none"
 * @param explanation one paragraph for the demo's output
 */
record DemoPrivacy(String mode, double targetEpsilon, double delta, double clipNorm, double sigma,
                   String explanation) {
    static final double DELTA = 1e-5;
    static final double CLIP_NORM = 1.0;
    /**
     * Sites add noise from a lattice (granular) Gaussian, accounted with a σ smaller by the
     * lattice's rounding; calibrating a little high keeps the charged ε under the target.
     */
    static final double LATTICE_MARGIN = 1.005;

    static DemoPrivacy calibrate(String mode, double targetEpsilon, int rounds, List<Integer> trainRowsBySite) {
        return switch (mode) {
            case "none" -> new DemoPrivacy(mode, Double.NaN, DELTA, Double.NaN, Double.NaN,
                    "privacy: none (plaintext updates; for comparison only)");
            case "patient" -> {
                double sigma = 0;
                for (int rows : trainRowsBySite) {
                    double s = NoiseCalibration.noiseMultiplier(z -> patientSchedule(z, rows, rounds), targetEpsilon,
                            DELTA, AccountantKind.RDP);
                    sigma = Math.max(sigma, s);
                }
                sigma *= LATTICE_MARGIN;
                yield new DemoPrivacy(mode, targetEpsilon, DELTA, CLIP_NORM, sigma, String.format(Locale.ROOT,
                        "privacy: patient-level DP-SGD at every site (per-patient clipping C = %.1f, Poisson sampling"
                                + " with expected batch %d, %d local epochs per round); noise multiplier σ = %.4f,"
                                + " calibrated so every site ends %d rounds at ε ≤ %s (patient-level, δ = %s,"
                                + " RDP accountant, improved conversion)", CLIP_NORM, DemoPlan.BATCH_SIZE,
                        DemoPlan.LOCAL_EPOCHS, sigma, rounds, targetEpsilon, "1e-5"));
            }
            case "site" -> {
                double z = NoiseCalibration.noiseMultiplier(s -> List.of(new PrivacyEvent.SampledGaussian(1.0, s, rounds)),
                        targetEpsilon, DELTA, AccountantKind.RDP);
                yield new DemoPrivacy(mode, targetEpsilon, DELTA, CLIP_NORM, z, String.format(Locale.ROOT,
                        "privacy: site-level DP-FedAvg (each site's update clipped to C = %.1f, Gaussian noise"
                                + " z = %.4f on the sum, every site in every round: q = 1); ε ≤ %s per site after %d"
                                + " rounds (site-level, δ = %s, RDP accountant). With only %d sites this much"
                                + " noise swamps the model: site-level DP needs hundreds of sites.", CLIP_NORM, z,
                        targetEpsilon, rounds, "1e-5", trainRowsBySite.size()));
            }
            default -> throw new IllegalArgumentException("--privacy must be none, patient or site");
        };
    }

    /** One site's whole study: R rounds of DP-SGD, each {@link DpSgdPlan#ofEpochs} of the demo plan. */
    static List<PrivacyEvent> patientSchedule(double sigma, int rows, int rounds) {
        var perRound = DpSgdPlan.ofEpochs(sigma, CLIP_NORM, DemoPlan.BATCH_SIZE, rows, DemoPlan.LOCAL_EPOCHS);
        var events = new ArrayList<PrivacyEvent>();
        events.add(new PrivacyEvent.SampledGaussian(perRound.samplingRate(), sigma, perRound.steps() * rounds));
        return events;
    }

    boolean enabled() {
        return !mode.equals("none");
    }

    /** The study's "privacy" section (REST body). */
    Map<String, Object> studyJson() {
        var m = new LinkedHashMap<String, Object>();
        m.put("mode", mode);
        if (enabled()) {
            m.put("clipNorm", clipNorm);
            m.put("noiseMultiplier", sigma);
            m.put("delta", delta);
            m.put("epsilonBudget", targetEpsilon);
            m.put("accountant", "rdp");
            m.put("expectedBatchSize", DemoPlan.BATCH_SIZE);
        }
        return m;
    }
}
