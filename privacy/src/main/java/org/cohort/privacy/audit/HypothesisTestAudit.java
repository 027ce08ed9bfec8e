package org.cohort.privacy.audit;

/**
 * The hypothesis-testing lower bound on ε (Kairouz, Oh and Viswanath 2015; used for auditing by
 * Jagielski, Ullman and Oprea 2020, "Auditing Differentially Private Machine Learning: How
 * Private Is Private SGD?", NeurIPS; arXiv:2006.07709). Any test that tells a mechanism's output
 * on a dataset D from its output on a neighbour D' with false-positive rate FPR and
 * false-negative rate FNR bounds an (ε, δ)-DP mechanism by FPR + e^ε·FNR ≥ 1 − δ and by the same
 * with the two swapped, so
 *
 * <pre>  ε ≥ max(ln((1 − δ − FNR) / FPR), ln((1 − δ − FPR) / FNR)).</pre>
 *
 * The rates are only estimated from runs, so the bound takes each at its one-sided
 * Clopper–Pearson upper bound; each of the two is taken at half the allowed error (Bonferroni),
 * so that both hold together with the stated confidence.
 *
 * <p>Pure arithmetic on counts. The test must be fixed before the counted runs are seen
 * (calibrated on other runs), or the counts are not binomial.
 */
public final class HypothesisTestAudit {

    private HypothesisTestAudit() {}

    /**
     * The counts of a test on fresh runs of both worlds.
     *
     * @param negatives runs on D; {@code falsePositives} of them were called D'
     * @param positives runs on D'; {@code falseNegatives} of them were called D
     */
    public record Outcome(int negatives, int falsePositives, int positives, int falseNegatives) {
        public Outcome {
            if (negatives < 1
                    || positives < 1
                    || falsePositives < 0
                    || falseNegatives < 0
                    || falsePositives > negatives
                    || falseNegatives > positives) {
                throw new IllegalArgumentException("need at least one run per world and errors no more than runs, got "
                        + falsePositives + " of " + negatives + " and " + falseNegatives + " of " + positives);
            }
        }
    }

    /**
     * The bound for error rates known exactly: the larger of the two directions, 0 when neither
     * is positive (a test no better than chance refutes nothing), infinite when a rate is 0.
     */
    public static double epsilon(double falsePositiveRate, double falseNegativeRate, double delta) {
        checkDelta(delta);
        if (!(falsePositiveRate >= 0 && falsePositiveRate <= 1 && falseNegativeRate >= 0 && falseNegativeRate <= 1)) {
            throw new IllegalArgumentException(
                    "error rates must be in [0, 1], got FPR = " + falsePositiveRate + ", FNR = " + falseNegativeRate);
        }
        return Math.max(
                0,
                Math.max(
                        direction(falsePositiveRate, falseNegativeRate, delta),
                        direction(falseNegativeRate, falsePositiveRate, delta)));
    }

    /**
     * The empirical lower bound: {@link #epsilon} at the Clopper–Pearson upper bounds of both rates,
     * each at confidence 1 − (1 − confidence)/2. With {@code confidence} (e.g. 0.95) the mechanism
     * is not (ε', δ)-DP for any ε' below it.
     */
    public static double epsilonLowerBound(Outcome outcome, double delta, double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), e.g. 0.95, got " + confidence);
        }
        double each = 1 - (1 - confidence) / 2;
        return epsilon(
                ClopperPearson.upperBound(outcome.falsePositives(), outcome.negatives(), each),
                ClopperPearson.upperBound(outcome.falseNegatives(), outcome.positives(), each),
                delta);
    }

    /** ln((1 − δ − b) / a): the bound from FPR = a, FNR = b (or the other way round). */
    private static double direction(double a, double b, double delta) {
        double numerator = 1 - delta - b;
        if (!(numerator > 0)) {
            return 0;
        }
        return a == 0 ? Double.POSITIVE_INFINITY : Math.log(numerator / a);
    }

    private static void checkDelta(double delta) {
        if (!(delta >= 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in [0, 1), got " + delta);
        }
    }
}
