package org.cohort.privacy.noise;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A fast sampler for the discrete Gaussian N_ℤ(0, σ²), σ² rational, within a proven total
 * variation distance {@link #totalVariationBound()} (below 2^-120 per sample for every σ) of the
 * exact distribution. Integer arithmetic only: the output is an integer whichever path it takes,
 * so no floating-point artefact reaches it, and it uses 32 random bits per table (three or four
 * tables for σ up to 2^30) and about 10 ns of arithmetic per sample, where the exact
 * {@link DiscreteGaussianSampler} needs microseconds of BigInteger work.
 *
 * <h2>Construction</h2>
 * <ul>
 *   <li><b>Tables.</b> For σ ≤ {@link #leafSigmaLimit()} the sampler is one Walker alias table over
 *       [-R, R], R = ⌈13.7σ⌉ + 1, padded to N = 2^b entries (b ≤ 12): the top b bits of a 32-bit
 *       word pick an entry, the other 32 - b bits are compared with the entry's 128-bit threshold,
 *       more random words being drawn only on a tie (probability 2^-20), so the table realises its
 *       128-bit thresholds exactly. The probabilities are computed to 80 significant digits and
 *       floored to multiples of 2^-128/N; the alias split is done in exact integer arithmetic.</li>
 *   <li><b>Convolution.</b> A larger σ is sampled as y = x + z·w with x ~ N_ℤ(0, σ₁²) from a table
 *       and w ~ N_ℤ(0, σ_w²) sampled the same way recursively, where σ² = σ₁² + z²σ_w² exactly
 *       (rational arithmetic). Completing the square, P[y] ∝ exp(-y²/2σ²)·ρ_s(ℤ - c(y)) with
 *       s = σ₁σ_w/σ; by Poisson summation ρ_s(ℤ - c) = s√(2π)·(1 + θ), |θ| ≤ ε =
 *       2·e^{-2π²s²}/(1 - e^{-6π²s²}), so P[y] is within a factor (1 ± ε)/(1 ∓ ε) of the exact
 *       N_ℤ(0, σ²) and the total variation distance is at most 2ε/(1 - ε). z is chosen so that
 *       s ≥ {@value #MIN_SMOOTHING}: ε < 2^-176 (cf. Micciancio and Walter 2017, "Gaussian sampling
 *       over the integers").</li>
 * </ul>
 *
 * <h2>Error bound and accounting</h2>
 * Total variation distance to N_ℤ(0, σ²) per sample, η, is at most the sum over tables of
 * (tail mass beyond ±R, below 2^-131, plus rounding of the probabilities, at most 2(2R+1) units
 * of 2^-128/N, so below 2^-126) and over convolutions of 2ε/(1 - ε). {@link #totalVariationBound}
 * is that sum, computed for the σ at hand; construction fails if it exceeds
 * {@link #MAX_TOTAL_VARIATION} = 2^-100. Independent samples add their distances: a release of
 * n samples is within n·η of the exact mechanism, and an (ε, δ)-DP guarantee of the exact
 * mechanism holds for this one with δ + (1 + e^ε)·n·η. With n below 2^60 (a million
 * coordinates for a billion steps) that is below 2^-60·(1 + e^ε), negligible next to any δ an
 * accountant certifies (≥ 10^-12), which is why the accountants use the exact mechanism's
 * Rényi divergence unchanged; callers that want the term explicitly get it from
 * {@link #totalVariationBound}.
 *
 * <p>Immutable and thread-safe; the random bits come from the {@link RandomSource} passed to
 * each call ({@link KeystreamNoiseSource} for released noise).
 */
public final class TabulatedDiscreteGaussian {

    /** Smoothing s = σ₁σ_w/σ of every convolution; ε(2.5) < 2^-176. */
    static final double MIN_SMOOTHING = 2.5;
    /** Tables have at most 2^12 entries (48 KiB): they stay in L1/L2 while a vector is noised. */
    static final int MAX_TABLE_BITS = 12;
    /** Tables reach ±13.7σ: beyond it lies less than 2^-131 of the mass. */
    static final double TAIL_SIGMAS = 13.7;
    /** Construction fails if the per-sample total variation bound exceeds this. */
    public static final double MAX_TOTAL_VARIATION = 0x1p-100;

    private static final MathContext MC = new MathContext(80, RoundingMode.HALF_EVEN);
    private static final BigInteger ONE_128 = BigInteger.ONE.shiftLeft(128);
    private static final BigInteger MASK_64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final int BATCH_WORDS = 512;

    private final Rational sigmaSquared;
    private final Table[] tables;
    private final long[] multipliers;
    private final double totalVariation;

    public TabulatedDiscreteGaussian(Rational sigmaSquared) {
        Objects.requireNonNull(sigmaSquared, "sigmaSquared");
        if (sigmaSquared.isZero()) {
            throw new IllegalArgumentException("sigma^2 must be positive");
        }
        double sigma = Math.sqrt(sigmaSquared.doubleValue());
        if (!(sigma * TAIL_SIGMAS * 4 < 0x1p62)) {
            throw new IllegalArgumentException("sigma " + sigma + " is too large for 64-bit samples");
        }
        this.sigmaSquared = sigmaSquared;
        List<Table> parts = new ArrayList<>();
        List<Long> factors = new ArrayList<>();
        double bound = 0;
        long factor = 1;
        Rational v = sigmaSquared;
        double leafLimit = leafSigmaLimit();
        while (true) {
            double s = Math.sqrt(v.doubleValue());
            if (s <= leafLimit) {
                Table t = new Table(v);
                parts.add(t);
                factors.add(factor);
                bound += t.totalVariation;
                break;
            }
            // The fine part takes the largest table (or half the variance just above the limit);
            // z is the largest step that keeps the convolution smooth.
            double floorLimit = Math.floor(leafLimit);
            Rational fine = s / Math.sqrt(2) <= floorLimit
                    ? v.multiply(Rational.of(1, 2))
                    : Rational.of((long) (floorLimit * floorLimit), 1);
            double fineD = fine.doubleValue();
            long z = (long) Math.floor(Math.sqrt(fineD * (1 - fineD / v.doubleValue())) / MIN_SMOOTHING);
            if (z < 1) {
                throw new IllegalStateException("no smooth split of sigma^2 = " + v);
            }
            Rational coarse = v.subtract(fine).divide(BigInteger.valueOf(z).multiply(BigInteger.valueOf(z)));
            double smoothing = Math.sqrt(fineD * coarse.doubleValue() / v.doubleValue());
            if (!(smoothing >= MIN_SMOOTHING * (1 - 1e-9))) {
                throw new IllegalStateException("convolution not smooth enough: s = " + smoothing);
            }
            Table t = new Table(fine);
            parts.add(t);
            factors.add(factor);
            bound += t.totalVariation + convolutionDistance(smoothing * (1 - 1e-9));
            factor = Math.multiplyExact(factor, z);
            v = coarse;
        }
        this.tables = parts.toArray(Table[]::new);
        this.multipliers = factors.stream().mapToLong(Long::longValue).toArray();
        this.totalVariation = bound;
        if (!(bound <= MAX_TOTAL_VARIATION)) {
            throw new IllegalStateException("total variation bound " + bound + " exceeds " + MAX_TOTAL_VARIATION);
        }
    }

    /** σ given as a double, converted to σ² exactly. */
    public static TabulatedDiscreteGaussian withSigma(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
        }
        Rational s = Rational.exact(sigma);
        return new TabulatedDiscreteGaussian(s.multiply(s));
    }

    /** The largest σ one table samples alone: R = ⌈13.7σ⌉ + 1 must leave 2R + 1 ≤ 2^12 - 1. */
    static double leafSigmaLimit() {
        return ((1 << (MAX_TABLE_BITS - 1)) - 3) / TAIL_SIGMAS;
    }

    /** TV bound of one convolution with smoothing s: 2ε/(1 - ε), ε = 2e^{-2π²s²}/(1 - e^{-6π²s²}). */
    static double convolutionDistance(double s) {
        double a = 2 * Math.PI * Math.PI * s * s;
        double eps = 2 * Math.exp(-a) / (1 - Math.exp(-3 * a));
        return 2 * eps / (1 - eps);
    }

    public Rational sigmaSquared() {
        return sigmaSquared;
    }

    /** Per-sample total variation distance to the exact N_ℤ(0, σ²), proven upper bound. */
    public double totalVariationBound() {
        return totalVariation;
    }

    /**
     * What releasing {@code samples} values from this sampler adds to the δ of an (ε, δ) guarantee
     * proven for the exact discrete Gaussian: (1 + e^ε)·samples·η, η = {@link #totalVariationBound()}
     * (for every event S, P'(S) ≤ P(S) + nη ≤ e^ε·Q(S) + δ + nη ≤ e^ε·Q'(S) + δ + (1 + e^ε)·nη).
     */
    public double deltaIncrease(long samples, double epsilon) {
        if (samples < 0 || !(epsilon >= 0)) {
            throw new IllegalArgumentException("need samples >= 0 and epsilon >= 0, got " + samples + ", " + epsilon);
        }
        return (1 + Math.exp(epsilon)) * samples * totalVariation;
    }

    /** Tables used per sample (each takes 32 random bits). */
    public int tables() {
        return tables.length;
    }

    /** One sample. */
    public long sample(RandomSource random) {
        long y = 0;
        for (int j = 0; j < tables.length; j++) {
            y += multipliers[j] * tables[j].sample((int) random.nextBits(32), random);
        }
        return y;
    }

    /** Fills {@code out} with independent samples. */
    public void sample(long[] out, RandomSource random) {
        sample(out, 0, out.length, random);
    }

    /**
     * Fills {@code out[from..to)} with independent samples. The random words for a run of values
     * are fetched in one call (32 bits per table per value); the rare ties take more words from
     * {@code random} directly.
     */
    public void sample(long[] out, int from, int to, RandomSource random) {
        Objects.checkFromToIndex(from, to, out.length);
        int perValue = tables.length;
        int chunk = Math.max(1, BATCH_WORDS * 2 / perValue);
        long[] words = new long[(chunk * perValue + 1) / 2];
        for (int at = from; at < to; at += chunk) {
            int n = Math.min(chunk, to - at);
            random.nextLongs(words, 0, (n * perValue + 1) / 2);
            switch (perValue) {
                case 1 -> one(out, at, n, words, random);
                case 2 -> two(out, at, n, words, random);
                case 4 -> four(out, at, n, words, random);
                default -> any(out, at, n, words, random);
            }
        }
    }

    private void one(long[] out, int at, int n, long[] words, RandomSource random) {
        Table a = tables[0];
        for (int i = 0; i < n; i++) {
            long w = words[i >>> 1];
            out[at + i] = a.sample((int) (w >>> ((i & 1) << 5)), random);
        }
    }

    private void two(long[] out, int at, int n, long[] words, RandomSource random) {
        Table a = tables[0];
        Table b = tables[1];
        long mb = multipliers[1];
        for (int i = 0; i < n; i++) {
            long w = words[i];
            out[at + i] = a.sample((int) w, random) + mb * b.sample((int) (w >>> 32), random);
        }
    }

    private void four(long[] out, int at, int n, long[] words, RandomSource random) {
        Table a = tables[0];
        Table b = tables[1];
        Table c = tables[2];
        Table d = tables[3];
        long mb = multipliers[1];
        long mc = multipliers[2];
        long md = multipliers[3];
        for (int i = 0; i < n; i++) {
            long w = words[2 * i];
            long v = words[2 * i + 1];
            out[at + i] = a.sample((int) w, random)
                    + mb * b.sample((int) (w >>> 32), random)
                    + mc * c.sample((int) v, random)
                    + md * d.sample((int) (v >>> 32), random);
        }
    }

    private void any(long[] out, int at, int n, long[] words, RandomSource random) {
        int h = 0;
        for (int i = 0; i < n; i++) {
            long y = 0;
            for (int j = 0; j < tables.length; j++, h++) {
                int word = (int) (words[h >>> 1] >>> ((h & 1) << 5));
                y += multipliers[j] * tables[j].sample(word, random);
            }
            out[at + i] = y;
        }
    }

    /** target[i] += sample, modulo 2^32: the noise share a site adds inside the secure-aggregation ring. */
    public void addTo(int[] target, RandomSource random) {
        long[] chunk = new long[Math.min(4096, Math.max(1, target.length))];
        for (int at = 0; at < target.length; at += chunk.length) {
            int n = Math.min(chunk.length, target.length - at);
            sample(chunk, 0, n, random);
            for (int k = 0; k < n; k++) {
                target[at + k] += (int) chunk[k];
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder out =
                new StringBuilder("tabulated discrete Gaussian sigma^2=" + sigmaSquared.doubleValue() + " = ");
        for (int j = 0; j < tables.length; j++) {
            out.append(j == 0 ? "" : " + ")
                    .append(multipliers[j])
                    .append("*N(")
                    .append(tables[j].sigma)
                    .append(')');
        }
        return out.append(", TV <= ").append(totalVariation).toString();
    }

    /** One Walker alias table for N_ℤ(0, v) on [-R, R] with 128-bit thresholds. */
    static final class Table {
        final double sigma;
        final int range;
        final int indexShift;
        final int compareMask;
        /** Per entry: threshold's top (32 - b) bits (or 2^(32-b) if the entry is full) << 32 | alias value. */
        final long[] entries;
        /** The threshold's remaining 128 - (32 - b) bits, left-aligned, for ties. */
        final long[] restHigh;

        final long[] restLow;
        final double totalVariation;

        Table(Rational v) {
            this.sigma = Math.sqrt(v.doubleValue());
            this.range = (int) Math.ceil(TAIL_SIGMAS * sigma) + 1;
            int bits = Math.max(2, 32 - Integer.numberOfLeadingZeros(2 * range));
            if (bits > MAX_TABLE_BITS) {
                throw new IllegalArgumentException("sigma " + sigma + " needs a table of 2^" + bits);
            }
            int size = 1 << bits;
            int compareBits = 32 - bits;
            this.indexShift = compareBits;
            this.compareMask = (1 << compareBits) - 1;

            // ρ(j) = q^(j²), q = exp(-1/(2σ²)), to 80 digits.
            BigDecimal x = new BigDecimal(v.denominator())
                    .divide(new BigDecimal(v.numerator().shiftLeft(1)), MC);
            BigDecimal q = expNegative(x);
            BigDecimal[] rho = new BigDecimal[range + 1];
            rho[0] = BigDecimal.ONE;
            BigDecimal step = q;
            BigDecimal q2 = q.multiply(q, MC);
            BigDecimal total = BigDecimal.ONE;
            for (int j = 1; j <= range; j++) {
                rho[j] = rho[j - 1].multiply(step, MC);
                step = step.multiply(q2, MC);
                total = total.add(rho[j].multiply(BigDecimal.TWO), MC);
            }
            BigDecimal scale = new BigDecimal(ONE_128.multiply(BigInteger.valueOf(size))).divide(total, MC);
            BigInteger[] w = new BigInteger[size];
            BigInteger sum = BigInteger.ZERO;
            for (int i = 0; i < size; i++) {
                int value = i - range;
                w[i] = Math.abs(value) <= range
                        ? rho[Math.abs(value)].multiply(scale, MC).toBigInteger()
                        : BigInteger.ZERO;
                sum = sum.add(w[i]);
            }
            // Floors leave a deficit of at most a few units per entry: give it to the mode.
            BigInteger target = ONE_128.multiply(BigInteger.valueOf(size));
            BigInteger deficit = target.subtract(sum);
            w[range] = w[range].add(deficit);

            // Vose's alias construction, exactly, in units of 2^-128 per entry.
            int[] alias = new int[size];
            BigInteger[] threshold = new BigInteger[size];
            ArrayDeque<Integer> small = new ArrayDeque<>();
            ArrayDeque<Integer> large = new ArrayDeque<>();
            for (int i = 0; i < size; i++) {
                (w[i].compareTo(ONE_128) < 0 ? small : large).push(i);
            }
            while (!small.isEmpty() && !large.isEmpty()) {
                int s = small.pop();
                int l = large.pop();
                threshold[s] = w[s];
                alias[s] = l;
                w[l] = w[l].subtract(ONE_128.subtract(w[s]));
                (w[l].compareTo(ONE_128) < 0 ? small : large).push(l);
            }
            for (int i : large) {
                threshold[i] = ONE_128; // exact arithmetic leaves exactly one unit here
                alias[i] = i;
            }
            for (int i : small) {
                if (!w[i].equals(ONE_128)) {
                    throw new IllegalStateException("alias construction lost mass");
                }
                threshold[i] = ONE_128;
                alias[i] = i;
            }
            this.entries = new long[size];
            this.restHigh = new long[size];
            this.restLow = new long[size];
            for (int i = 0; i < size; i++) {
                long top;
                if (threshold[i].compareTo(ONE_128) >= 0) {
                    top = 1L << compareBits;
                } else {
                    top = threshold[i].shiftRight(128 - compareBits).longValueExact();
                    BigInteger rest = threshold[i].shiftLeft(compareBits).and(ONE_128.subtract(BigInteger.ONE));
                    restHigh[i] = rest.shiftRight(64).longValue();
                    restLow[i] = rest.and(MASK_64).longValue();
                }
                entries[i] = (top << 32) | ((alias[i] - range) & 0xFFFFFFFFL);
            }
            // Rounding: at most 2 units per entry and the deficit (as large); tail beyond ±R.
            double rounding = 4.0 * (2 * range + 1 + 2) / size * 0x1p-128;
            double tail = tailBound(sigma, range);
            this.totalVariation = rounding + tail + Math.abs(deficit.doubleValue()) / size * 0x1p-128;
        }

        /** Mass of N_ℤ(0, σ²) beyond ±R: at most 2·ρ(R+1)/(1 - e^{-(2R+3)/(2σ²)}) over a normaliser ≥ 1. */
        static double tailBound(double sigma, int range) {
            double r1 = range + 1.0;
            double ratio = -Math.expm1(-(2 * r1 + 1) / (2 * sigma * sigma));
            return 2 * Math.exp(-r1 * r1 / (2 * sigma * sigma)) / ratio * (1 + 1e-12);
        }

        int sample(int word, RandomSource random) {
            int index = word >>> indexShift;
            int compare = word & compareMask;
            long e = entries[index];
            int top = (int) (e >>> 32);
            if (compare == top) {
                return tie(index, random);
            }
            return compare < top ? index - range : (int) e;
        }

        /** The first 32 - b bits equal the threshold's: compare the next 128 - (32 - b) bits exactly. */
        private int tie(int index, RandomSource random) {
            long u = random.nextLongBits();
            int c = Long.compareUnsigned(u, restHigh[index]);
            if (c == 0) {
                c = Long.compareUnsigned(random.nextLongBits(), restLow[index]) < 0 ? -1 : 1;
            }
            return c < 0 ? index - range : (int) entries[index];
        }

        /** exp(-x) for x > 0 to about 78 digits: halve x to ≤ 1/2, Taylor series, square back. */
        static BigDecimal expNegative(BigDecimal x) {
            int halvings = 0;
            BigDecimal half = new BigDecimal("0.5");
            while (x.compareTo(half) > 0) {
                x = x.divide(BigDecimal.TWO, MC);
                halvings++;
            }
            BigDecimal sum = BigDecimal.ONE;
            BigDecimal term = BigDecimal.ONE;
            BigDecimal epsilon = BigDecimal.ONE.movePointLeft(90);
            for (int k = 1; term.abs().compareTo(epsilon) > 0; k++) {
                term = term.multiply(x, MC).divide(BigDecimal.valueOf(-k), MC);
                sum = sum.add(term, MC);
            }
            for (int i = 0; i < halvings; i++) {
                sum = sum.multiply(sum, MC);
            }
            return sum;
        }
    }
}
