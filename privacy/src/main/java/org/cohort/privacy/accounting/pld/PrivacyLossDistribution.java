package org.cohort.privacy.accounting.pld;

/**
 * A privacy loss distribution under add/remove adjacency: one pmf per direction (a single one
 * when the mechanism is symmetric). Reported ε and δ are the worse of the two directions, as
 * in dp_accounting's {@code PrivacyLossDistribution}.
 *
 * <p>Immutable; composition returns a new distribution.
 */
public final class PrivacyLossDistribution {

    /**
     * dp_accounting's default bound on the tail mass dropped at each composition; the dropped
     * mass is added to δ, so results stay upper bounds.
     */
    public static final double DEFAULT_TAIL_MASS_TRUNCATION = 1e-15;

    /** dp_accounting's default grid step for privacy losses (nats). */
    public static final double DEFAULT_VALUE_DISCRETIZATION_INTERVAL = 1e-4;

    private final PrivacyLossPmf remove;
    private final PrivacyLossPmf add;

    private PrivacyLossDistribution(PrivacyLossPmf remove, PrivacyLossPmf add) {
        this.remove = remove;
        this.add = add;
    }

    /** The distribution of a mechanism that reveals nothing. */
    public static PrivacyLossDistribution identity(double valueDiscretizationInterval) {
        checkDiscretization(valueDiscretizationInterval);
        return new PrivacyLossDistribution(PrivacyLossPmf.identity(valueDiscretizationInterval), null);
    }

    /**
     * PLD of one step of the Poisson-subsampled Gaussian mechanism (sensitivity 1), discretised
     * with the pessimistic connect-the-dots algorithm (Doroshenko, Ghazi, Kamath, Kumar,
     * Manurangsi 2022, "Connect the Dots: Tighter Discrete Approximations of Privacy Loss
     * Distributions", Alg. 1) — dp_accounting's default for the Gaussian. Every δ it yields is an
     * upper bound on the true one.
     *
     * @param noiseMultiplier σ > 0
     * @param samplingRate q in (0, 1]; q = 1 gives a symmetric distribution
     * @param valueDiscretizationInterval grid step of the losses, e.g. 1e-4
     */
    public static PrivacyLossDistribution sampledGaussian(
            double noiseMultiplier, double samplingRate, double valueDiscretizationInterval) {
        checkDiscretization(valueDiscretizationInterval);
        PrivacyLossPmf remove = connectTheDots(
                new GaussianPrivacyLoss(noiseMultiplier, samplingRate, Adjacency.REMOVE), valueDiscretizationInterval);
        if (samplingRate == 1.0) {
            return new PrivacyLossDistribution(remove, null);
        }
        PrivacyLossPmf add = connectTheDots(
                new GaussianPrivacyLoss(noiseMultiplier, samplingRate, Adjacency.ADD), valueDiscretizationInterval);
        return new PrivacyLossDistribution(remove, add);
    }

    /**
     * Places mass on the grid ε_lo..ε_hi (step d) and on +∞ so that the discrete distribution's
     * hockey-stick curve passes through the mechanism's exact δ(ε) at every grid point and lies
     * above it in between (convexity), hence "pessimistic".
     */
    static PrivacyLossPmf connectTheDots(GaussianPrivacyLoss loss, double d) {
        double[] range = loss.epsilonRange();
        long lo = (long) Math.floor(range[0] / d);
        long hi = (long) Math.ceil(range[1] / d);
        GridLimit.check(hi - lo + 1, "one step of the mechanism");
        int n = Math.toIntExact(hi - lo + 1);
        double[] deltas = new double[n];
        for (int i = 0; i < n; i++) {
            deltas[i] = loss.deltaForEpsilon((lo + i) * d);
        }
        if (n == 1) {
            return new PrivacyLossPmf(d, lo, new double[] {1 - deltas[0]}, deltas[0]);
        }
        for (int i = 1; i < n; i++) {
            if (deltas[i] > deltas[i - 1]) {
                // δ(ε) cannot increase; rounding noise at the 1e-16 level is flattened.
                deltas[i] = deltas[i - 1];
            }
        }
        double expm1D = Math.expm1(d);
        double expD = Math.exp(d);
        double[] probs = new double[n];
        probs[0] = 1 - deltas[0] + (deltas[1] - deltas[0]) / expm1D;
        for (int i = 1; i < n - 1; i++) {
            double next = deltas[i + 1] - deltas[i];
            double prev = deltas[i] - deltas[i - 1];
            probs[i] = (next - prev * expD) / expm1D;
        }
        probs[n - 1] = (deltas[n - 1] - deltas[n - 2]) / Math.expm1(-d);
        for (int i = 0; i < n; i++) {
            probs[i] = Math.max(0, probs[i]);
        }
        return new PrivacyLossPmf(d, lo, probs, deltas[n - 1]);
    }

    public boolean isSymmetric() {
        return add == null;
    }

    public double valueDiscretizationInterval() {
        return remove.discretization();
    }

    /** The pmf for the REMOVE direction (the only one when symmetric). */
    public PrivacyLossPmf removePmf() {
        return remove;
    }

    /** The pmf for the ADD direction. */
    public PrivacyLossPmf addPmf() {
        return add == null ? remove : add;
    }

    /** Running this mechanism and then {@code other}. */
    public PrivacyLossDistribution compose(PrivacyLossDistribution other, double tailMassTruncation) {
        PrivacyLossPmf r = remove.compose(other.remove, tailMassTruncation);
        if (isSymmetric() && other.isSymmetric()) {
            return new PrivacyLossDistribution(r, null);
        }
        return new PrivacyLossDistribution(r, addPmf().compose(other.addPmf(), tailMassTruncation));
    }

    /** Running this mechanism {@code times} times independently. */
    public PrivacyLossDistribution selfCompose(long times, double tailMassTruncation) {
        PrivacyLossPmf r = remove.selfCompose(times, tailMassTruncation);
        if (isSymmetric()) {
            return new PrivacyLossDistribution(r, null);
        }
        return new PrivacyLossDistribution(r, add.selfCompose(times, tailMassTruncation));
    }

    /** Smallest ε with (ε, δ)-DP in both directions. */
    public double epsilonForDelta(double delta) {
        double eps = remove.epsilonForDelta(delta);
        return isSymmetric() ? eps : Math.max(eps, add.epsilonForDelta(delta));
    }

    /** Smallest δ with (ε, δ)-DP in both directions. */
    public double deltaForEpsilon(double epsilon) {
        double d = remove.deltaForEpsilon(epsilon);
        return isSymmetric() ? d : Math.max(d, add.deltaForEpsilon(epsilon));
    }

    private static void checkDiscretization(double d) {
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("value discretization interval must be positive, got " + d);
        }
    }
}
