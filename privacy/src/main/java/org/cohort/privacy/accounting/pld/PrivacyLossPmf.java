package org.cohort.privacy.accounting.pld;

import java.util.Arrays;

/**
 * A discretised privacy loss distribution for one adjacency direction: probability
 * {@code probs[i]} on the loss (lowerIndex + i)·discretization, plus {@code infinityMass} on
 * +∞ (outcomes the neighbour cannot produce, and tail mass charged pessimistically).
 *
 * <p>Mirrors dp_accounting's {@code DensePLDPmf} (pessimistic estimates only): the
 * composition, self-composition, truncation and hockey-stick formulas are the same, so the
 * same inputs give the same ε.
 */
public final class PrivacyLossPmf {

    private final double discretization;
    private final long lowerIndex;
    private final double[] probs;
    private final double infinityMass;

    PrivacyLossPmf(double discretization, long lowerIndex, double[] probs, double infinityMass) {
        if (probs.length == 0) {
            throw new IllegalArgumentException("a privacy loss pmf needs at least one point");
        }
        this.discretization = discretization;
        this.lowerIndex = lowerIndex;
        this.probs = probs;
        this.infinityMass = infinityMass;
    }

    /** The PLD of a mechanism that reveals nothing: all mass on loss 0. */
    static PrivacyLossPmf identity(double discretization) {
        return new PrivacyLossPmf(discretization, 0, new double[] {1.0}, 0);
    }

    public double discretization() {
        return discretization;
    }

    public double infinityMass() {
        return infinityMass;
    }

    /** Number of grid points (the cost of composing with this distribution). */
    public int size() {
        return probs.length;
    }

    /** Smallest finite loss on the grid. */
    public double lowestLoss() {
        return lowerIndex * discretization;
    }

    /** Largest finite loss on the grid. */
    public double highestLoss() {
        return (lowerIndex + probs.length - 1) * discretization;
    }

    double[] probabilities() {
        return probs.clone();
    }

    /** The PLD of running both mechanisms: losses add, so the pmfs convolve. */
    PrivacyLossPmf compose(PrivacyLossPmf other, double tailMassTruncation) {
        checkComposable(other);
        GridLimit.check((long) probs.length + other.probs.length - 1, "composing two mechanisms");
        double[] conv = Convolution.linear(probs, other.probs);
        double inf = infinityMass + other.infinityMass - infinityMass * other.infinityMass;
        return truncated(lowerIndex + other.lowerIndex, conv, inf, tailMassTruncation);
    }

    /**
     * The PLD of {@code times} independent runs, by one FFT raised to a power. Only the window
     * that a Chernoff bound shows to hold all but {@code tailMassTruncation} of the mass is kept;
     * the dropped mass is charged to +∞ (pessimistic).
     */
    PrivacyLossPmf selfCompose(long times, double tailMassTruncation) {
        if (times <= 0) {
            throw new IllegalArgumentException("number of compositions must be >= 1, got " + times);
        }
        long[] bounds = selfConvolveBounds(times, tailMassTruncation);
        long lower = bounds[0];
        long upper = bounds[1];
        long outLength = upper - lower + 1;
        GridLimit.check(Math.max(outLength, probs.length), times + " compositions");
        int n = Convolution.fftLength(Math.max(outLength, probs.length));
        double[] circular = Convolution.selfConvolveCircular(probs, times, n);
        double[] out = new double[Math.toIntExact(outLength)];
        int start = (int) Math.floorMod(lower, (long) n);
        for (int i = 0; i < out.length; i++) {
            out[i] = circular[(start + i) % n];
        }
        // 1 - (1 - m)^times without cancellation, plus the truncated tails.
        double inf = tailMassTruncation - Math.expm1(times * Math.log1p(-infinityMass));
        return new PrivacyLossPmf(discretization, lowerIndex * times + lower, out, inf);
    }

    /**
     * [lower, upper] indices of the {@code times}-fold convolution (relative to lowerIndex·times)
     * outside which at most {@code tail} mass lies, by Chernoff bounds at ±1..20 / size orders —
     * dp_accounting's {@code compute_self_convolve_bounds}.
     */
    private long[] selfConvolveBounds(long times, double tail) {
        long upper = (probs.length - 1L) * times;
        long lower = 0;
        if (tail == 0) {
            return new long[] {lower, upper};
        }
        double logTwoOverTail = Math.log(2 / tail);
        for (int k = -20; k <= 20; k++) {
            if (k == 0) {
                continue;
            }
            double order = (double) k / probs.length;
            double logMgf = logSumExpWeighted(order);
            double bound = (times * logMgf + logTwoOverTail) / order;
            if (order > 0) {
                upper = Math.min(upper, (long) Math.ceil(bound));
            } else {
                lower = Math.max(lower, (long) Math.floor(bound));
            }
        }
        return new long[] {lower, upper};
    }

    /** log Σ_i probs[i]·exp(i·order), skipping zero weights (SciPy's logsumexp with b=). */
    private double logSumExpWeighted(double order) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] != 0) {
                max = Math.max(max, i * order);
            }
        }
        double sum = 0;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] != 0) {
                sum += probs[i] * Math.exp(i * order - max);
            }
        }
        return Math.log(sum) + max;
    }

    /**
     * Drops the longest prefix and suffix whose mass is at most tail/2 each: the prefix is added
     * to the first kept point (rounding losses up) and the suffix to +∞ (pessimistic).
     */
    private PrivacyLossPmf truncated(long lower, double[] p, double inf, double tail) {
        if (tail == 0) {
            return new PrivacyLossPmf(discretization, lower, p, inf);
        }
        int left = prefixToTruncate(p, tail / 2, false);
        int right = p.length - prefixToTruncate(p, tail / 2, true);
        right = Math.max(right, left + 1);
        double leftMass = 0;
        for (int i = 0; i < left; i++) {
            leftMass += p[i];
        }
        double rightMass = 0;
        for (int i = right; i < p.length; i++) {
            rightMass += p[i];
        }
        double[] kept = Arrays.copyOfRange(p, left, right);
        kept[0] += leftMass;
        return new PrivacyLossPmf(discretization, lower + left, kept, inf + rightMass);
    }

    private static int prefixToTruncate(double[] p, double threshold, boolean fromEnd) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += fromEnd ? p[p.length - 1 - i] : p[i];
            if (s > threshold) {
                return i;
            }
        }
        return p.length;
    }

    /** δ(ε) = m_∞ + Σ_{loss > ε} (1 - e^{ε - loss})·p(loss): the ε-hockey-stick divergence. */
    public double deltaForEpsilon(double epsilon) {
        double delta = infinityMass;
        for (int i = 0; i < probs.length; i++) {
            double loss = (lowerIndex + i) * discretization;
            if (loss > epsilon) {
                delta += -Math.expm1(epsilon - loss) * probs[i];
            }
        }
        return delta;
    }

    /**
     * Smallest ε ≥ 0 with δ(ε) ≤ delta, or +∞ if the mass at +∞ alone exceeds delta. Walks the
     * losses from the top, keeping Σp and Σp·e^{-loss}, until ε falls inside the current bin.
     */
    public double epsilonForDelta(double delta) {
        if (infinityMass > delta) {
            return Double.POSITIVE_INFINITY;
        }
        double massUpper = infinityMass;
        double massLower = 0;
        for (int i = probs.length - 1; i >= 0; i--) {
            double loss = (lowerIndex + i) * discretization;
            if (massUpper > delta && massLower > 0 && Math.log((massUpper - delta) / massLower) >= loss) {
                break;
            }
            massUpper += probs[i];
            massLower += Math.exp(-loss) * probs[i];
            if (massUpper >= delta && massLower == 0) {
                // Only for huge losses, whose e^{-loss} underflows.
                return Math.max(0, loss);
            }
        }
        if (massUpper <= massLower + delta) {
            return 0;
        }
        return Math.log((massUpper - delta) / massLower);
    }

    private void checkComposable(PrivacyLossPmf other) {
        if (discretization != other.discretization) {
            throw new IllegalArgumentException("cannot compose PLDs with different discretization intervals: "
                    + discretization + " vs " + other.discretization);
        }
    }
}
