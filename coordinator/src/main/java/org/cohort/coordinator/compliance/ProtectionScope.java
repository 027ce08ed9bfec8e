package org.cohort.coordinator.compliance;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * What a study's ε is about, said plainly: the neighbouring datasets it compares (adjacency),
 * whom it guards against, what is public by assumption and what is not protected at all, and
 * where an ε sits on a scale a reader can picture. Pure: built from the study's settings.
 *
 * @param adjacency         the two neighbouring inputs the guarantee compares
 * @param against           who sees what, given secure aggregation and where the noise is added
 * @param publicByAssumption quantities released without noise, on the understanding that they are not secret
 * @param notProtected      what ε does not cover, so nobody reads more into it
 * @param scale             the spent ε in rounded numbers with a reference scale for e^ε
 */
public record ProtectionScope(
        String adjacency,
        String against,
        List<String> publicByAssumption,
        List<String> notProtected,
        List<String> scale) {

    /** Reference points for e^ε, the most by which any outcome's odds can move. */
    private static final double[] REFERENCE = {0.1, 0.5, 1, 2, 4, 8};

    private static final String[] READING = {
        "very strong: hard to tell apart from not taking part at all",
        "strong",
        "strong; a common target for health data",
        "moderate",
        "weak",
        "very weak: little more than a formal bound"
    };

    static ProtectionScope of(PrivacyMode mode, boolean secureAggregation, Double worstSpent) {
        boolean patient = mode == PrivacyMode.PRIVACY_MODE_PATIENT;
        boolean none = mode == null || !PrivacyWords.isPrivate(mode);
        String adjacency = none
                ? "none: no differential privacy, so no two inputs are guaranteed to look alike"
                : patient
                        ? "add or remove one row of one site's training table (Poisson sampling, add/remove"
                                + " adjacency). A row is one patient only if the site has one row per patient; a patient with"
                                + " several rows is protected at row level only, so sites must keep one row per patient"
                                + " (group by patient id) for this to be a patient-level guarantee"
                        : "replace one site's whole update (clipped to the study's clip norm) by any other, or remove it:"
                                + " the guarantee is about a hospital taking part, not about one of its patients";
        String against;
        if (none) {
            against = secureAggregation
                    ? "secure aggregation keeps single hospitals' updates from the coordinator, but the sum and the"
                            + " released models carry no noise"
                    : "nothing: the coordinator sees every hospital's update and the models carry no noise";
        } else if (patient) {
            against = "anyone who sees the released models, and the coordinator itself: each site adds its noise"
                    + " before anything leaves it"
                    + (secureAggregation
                            ? "; with secure aggregation on, the coordinator also sees only the sum of the noised updates"
                            : "; secure aggregation is off, so the coordinator sees each site's noised update");
        } else {
            against = secureAggregation
                    ? "anyone who sees the released models; the coordinator sees only the sum of the sites' clipped"
                            + " updates (secure aggregation) and adds the noise to it, so the coordinator itself must"
                            + " be trusted not to look at the sum before noising"
                    : "anyone who sees the released models, but NOT the coordinator: it sees each site's clipped,"
                            + " un-noised update and adds the noise to the sum itself";
        }
        var publicByAssumption = new ArrayList<String>();
        publicByAssumption.add("which hospitals take part in the study and in each round, and when");
        publicByAssumption.add(
                "each site's declared number of training rows (its FedAvg weight and, under patient-level"
                        + " DP, the size its sampling rate and steps are computed from; the count of rows it really has is"
                        + " never sent, though how long its training takes grows with it: see the round timeline below)");
        publicByAssumption.add("the model architecture, training plan and privacy settings in the study spec");
        var notProtected = new ArrayList<String>();
        if (none) {
            notProtected.add(
                    "held-out evaluation results (each site's accuracy, loss and test counts) are sent in clear");
        } else if (patient) {
            notProtected.add("held-out evaluation: inside ε, not in clear. Training rounds release none; the final"
                    + " evaluation is each site's confusion matrix with discrete Gaussian noise on every count, charged"
                    + " to the same budget, so its accuracy figures are estimates, not exact");
        } else {
            notProtected.add("no evaluation is released under site-level DP (a site's would need noise on the scale of"
                    + " all its rows): sites withhold their held-out metrics");
        }
        if (!none) {
            notProtected.add(
                    "a patient at several hospitals: each site's ε counts separately, and across sites they add"
                            + " up (at worst, the sum)");
            notProtected.add("a patient in several studies at one hospital: each study's ε counts separately unless the"
                    + " hospital caps them together");
            notProtected.add(
                    "facts about groups: DP bounds what is learnt about one " + (patient ? "patient" : "hospital")
                            + ", not what the model learns about a population, which is its purpose");
        }
        notProtected.add("the study's own settings and the round timeline, which the coordinator and sites see,"
                + " including how long each site takes to train and evaluate: that grows with its real number of rows,"
                + " which timing can therefore roughly reveal");
        return new ProtectionScope(
                adjacency,
                against,
                List.copyOf(publicByAssumption),
                List.copyOf(notProtected),
                scale(worstSpent, patient ? "patient" : "hospital"));
    }

    private static List<String> scale(Double epsilon, String unit) {
        var lines = new ArrayList<String>();
        if (epsilon != null && Double.isFinite(epsilon)) {
            lines.add(String.format(
                    Locale.ROOT,
                    "The most spent so far is ε ≈ %s: whether or not one %s's data was"
                            + " used changes the odds of any conclusion drawn from the models by at most about %s×.",
                    rounded(epsilon),
                    unit,
                    rounded(Math.exp(epsilon))));
        }
        for (int i = 0; i < REFERENCE.length; i++) {
            double e = REFERENCE[i];
            lines.add(String.format(
                    Locale.ROOT,
                    "ε = %s: odds move by at most %s× (%s)",
                    rounded(e),
                    rounded(Math.exp(e)),
                    READING[i]));
        }
        return List.copyOf(lines);
    }

    /** Two significant figures, written as a person would. */
    static String rounded(double x) {
        if (x >= 100) {
            return String.format(
                    Locale.ROOT,
                    "%,d",
                    Math.round(x / Math.pow(10, Math.floor(Math.log10(x)) - 1))
                            * (long) Math.pow(10, Math.floor(Math.log10(x)) - 1));
        }
        return new java.math.BigDecimal(x)
                .round(new java.math.MathContext(2))
                .stripTrailingZeros()
                .toPlainString();
    }
}
