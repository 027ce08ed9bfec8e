package org.cohort.privacy.sitelevel;

import java.math.BigInteger;
import java.util.Objects;
import org.cohort.privacy.noise.RandomSource;
import org.cohort.privacy.noise.Rational;
import org.cohort.privacy.noise.TabulatedDiscreteGaussian;

/**
 * Site-level DP without a trusted aggregator: the distributed discrete Gaussian mechanism of
 * Kairouz, Liu and Steinke (2021, "The Distributed Discrete Gaussian Mechanism for Federated
 * Learning with Secure Aggregation"), for a ring of 2^b residues. Every site clips its update to
 * L2 norm C, scales it by 1/γ (γ = 2^-k), rounds each coordinate stochastically to an integer,
 * adds its own share N_ℤ(0, s²) of discrete Gaussian noise and only then masks the result for
 * secure aggregation — so the sum the coordinator unmasks is already noised.
 *
 * <h2>Noise share and dropouts</h2>
 * The study asks for total noise of standard deviation σ = z·C. A secure round releases the sum
 * of at least n_min sites (the SecAgg threshold t: every site refuses to help unmask a survivor
 * set smaller than that), so each site adds variance s² = (σ/γ)² / n_min: any n_min survivors
 * together carry (σ/γ)², more survivors carry more. Privacy is charged for the worst case,
 * exactly n_min survivors.
 *
 * <h2>Accounting</h2>
 * Adjacency: one site's clipped update replaced by zero (add/remove one site), as in DP-FedAvg.
 * <ul>
 *   <li>Rounding: each coordinate moves by less than one ring unit, so the rounded vector has
 *       norm at most Δ = C/γ + √d ring units (d values), i.e. an effective sensitivity
 *       C' = C + γ√d in value units (the simple deterministic bound; the paper's conditional
 *       rounding bound is tighter but only matters when γ√d is not already far below C).</li>
 *   <li>Sum of discrete Gaussians: m independent N_ℤ(0, s²) do not sum to a discrete Gaussian.
 *       Theorem 1 of the paper: the sum is ½ε²-zCDP with ε² = Δ²/(m·s²) + 2τd,
 *       τ = 10·Σ_{j=1}^{m-1} exp(-2π²s²·j/(j+1)). We take the largest ε over m ∈ [n_min, n]
 *       (Δ²/(m s²) shrinks with m, τ grows).</li>
 *   <li>Charge: ρ-zCDP with ρ = ε²/2 is the Rényi divergence of a Gaussian mechanism with noise
 *       multiplier z_eff = 1/ε, so the ledger records a Gaussian event with σ_eff = 1/ε. When τ
 *       is negligible (s is many ring units) this is σ_eff = σ/C' = z·C/(C + γ√d): the total
 *       noise of the worst-case survivors divided by the effective sensitivity.</li>
 *   <li>Modular wrap-around: the coordinator sees the integer sum modulo 2^b, a function of the
 *       noised sum, so a wrap costs accuracy, never privacy.</li>
 *   <li>Accountants: for RDP the Gaussian event is exact (ρ-zCDP bounds every Rényi order by αρ);
 *       the PLD accountant treats it as the continuous Gaussian with σ_eff, the usual
 *       approximation for discrete noise, as elsewhere in Cohort.</li>
 * </ul>
 *
 * <p>Trust: the guarantee holds against the coordinator (and anyone who sees the released sum)
 * as long as the survivors' noise is genuine. Sites that collude with it know their own shares:
 * with c colluders among the t survivors the noise it cannot remove is (t - c)/t of the
 * accounted variance. A coordinator that enrols fake sites can do the same (it is the CA), which
 * also defeats secure aggregation itself.
 *
 * <h2>Bits, granularity and wrap-around</h2>
 * L2 clipping already bounds every coordinate by C, so no random rotation is needed for range:
 * a site's rounded value is at most C/γ + 1 units and the sum of n sites' noise is
 * (n·s²)-sub-Gaussian. γ = 2^-k is the finest power of two with
 * n·(C/γ + 1) + m·σ_all/γ ≤ 2^(b-1) - 1, where σ_all = σ·√(n/n_min) is the noise of the sum when
 * every site survives and m = √(2 ln(2d/p)) for a wrap-around probability p ≤ 2^-40 over all d
 * coordinates ({@link #wrapProbability()} reports the bound actually reached). Cohort's masks
 * and wire format carry 32 bits per value, so b = 32 by default: then γ√d is negligible next to
 * C for any model a site trains (n = 3, C = 1, σ = 1, d = 10^6: γ = 2^-27, C' = C·(1 + 7.5·10^-6)).
 * 16 bits would suffice for small models (d = 10^3: C' = 1.015·C) and the class supports any
 * b in [8, 32], but the values travel as 32-bit ring elements anyway, so fewer bits would only
 * add rounding and gain nothing until the encoding packs them.
 *
 * <p>Immutable; {@link #encode} is safe to call from several threads with their own sources.
 */
public final class DistributedDiscreteGaussian {
    /** Bits of the ring the sum lives in: Cohort's secure aggregation works in Z(2^32). */
    public static final int DEFAULT_RING_BITS = 32;
    /** Probability, over all coordinates of one round, that the noised sum wraps around the ring. */
    public static final double WRAP_PROBABILITY_TARGET = 0x1p-40;
    /** Clip a hair below C so floating-point rounding of the scaled update cannot exceed C. */
    private static final double CLIP_SLACK = 1 - 0x1p-40;

    private final double clipNorm;
    private final double noiseMultiplier;
    private final int sites;
    private final int minSurvivors;
    private final long dimension;
    private final int ringBits;
    private final int granularityExponent;
    private final Rational shareVariance;

    private DistributedDiscreteGaussian(
            double clipNorm,
            double noiseMultiplier,
            int sites,
            int minSurvivors,
            long dimension,
            int ringBits,
            int granularityExponent) {
        this.clipNorm = clipNorm;
        this.noiseMultiplier = noiseMultiplier;
        this.sites = sites;
        this.minSurvivors = minSurvivors;
        this.dimension = dimension;
        this.ringBits = ringBits;
        this.granularityExponent = granularityExponent;
        // s² = (σ·2^k)² / n_min, exactly: σ is the double z·C, and every double is a dyadic rational.
        Rational sigmaUnits = scaleByPowerOfTwo(Rational.exact(noiseMultiplier * clipNorm), granularityExponent);
        this.shareVariance = sigmaUnits.multiply(sigmaUnits).multiply(Rational.of(1, minSurvivors));
    }

    /**
     * The encoding both the coordinator and every site derive from the study and the round: the
     * same inputs give the same granularity, noise share and charge on both sides.
     *
     * @param clipNorm        C, the L2 bound of one site's update
     * @param noiseMultiplier z: any n_min survivors together add noise of standard deviation z·C
     * @param sites           n, the sites in the round (most inputs summed)
     * @param minSurvivors    n_min, the fewest inputs the round releases a sum of (SecAgg threshold)
     * @param dimension       d, values per update
     * @param ringBits        b, the sum is read modulo 2^b (at most 32)
     */
    public static DistributedDiscreteGaussian plan(
            double clipNorm, double noiseMultiplier, int sites, int minSurvivors, long dimension, int ringBits) {
        if (!(clipNorm > 0)
                || !Double.isFinite(clipNorm)
                || !(noiseMultiplier > 0)
                || !Double.isFinite(noiseMultiplier)) {
            throw new IllegalArgumentException(
                    "distributed noise needs a positive finite clip norm and noise multiplier, got C=" + clipNorm
                            + ", z=" + noiseMultiplier);
        }
        if (minSurvivors < 1 || sites < minSurvivors) {
            throw new IllegalArgumentException(
                    "need 1 ≤ minimum survivors ≤ sites, got " + minSurvivors + " of " + sites);
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("an update has at least one value, got dimension " + dimension);
        }
        if (ringBits < 8 || ringBits > 32) {
            throw new IllegalArgumentException("ring bits must be in [8, 32], got " + ringBits);
        }
        double limit = Math.scalb(1.0, ringBits - 1) - 1 - sites; // room left after n rounding units
        double sigmaAll = noiseMultiplier * clipNorm * Math.sqrt((double) sites / minSurvivors);
        double tail = Math.sqrt(2 * (Math.log(2.0 * dimension) - Math.log(WRAP_PROBABILITY_TARGET)));
        double perUnitGranularity = sites * clipNorm + tail * sigmaAll; // value range per 1/γ
        if (!(limit > 0)) {
            throw new IllegalArgumentException(sites + " sites do not fit a ring of 2^" + ringBits);
        }
        int k = Math.getExponent(limit / perUnitGranularity); // ⌊log2⌋ for normal doubles
        while (Math.scalb(perUnitGranularity, k) > limit) {
            k--; // guard against the ⌊log2⌋ landing one too high
        }
        var plan =
                new DistributedDiscreteGaussian(clipNorm, noiseMultiplier, sites, minSurvivors, dimension, ringBits, k);
        if (plan.shareStdUnits() < 1) {
            throw new IllegalArgumentException("in a 2^" + ringBits
                    + " ring the noise share of each site would be below one" + " quantization step (σ/γ/√n_min = "
                    + plan.shareStdUnits() + "); use more ring bits or fewer sites");
        }
        return plan;
    }

    /** {@link #plan} in Cohort's 32-bit ring. */
    public static DistributedDiscreteGaussian plan(
            double clipNorm, double noiseMultiplier, int sites, int minSurvivors, long dimension) {
        return plan(clipNorm, noiseMultiplier, sites, minSurvivors, dimension, DEFAULT_RING_BITS);
    }

    public double clipNorm() {
        return clipNorm;
    }

    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    public int sites() {
        return sites;
    }

    public int minSurvivors() {
        return minSurvivors;
    }

    public long dimension() {
        return dimension;
    }

    public int ringBits() {
        return ringBits;
    }

    /** k: the granularity is γ = 2^-k value units per ring unit. */
    public int granularityExponent() {
        return granularityExponent;
    }

    /** γ = 2^-k. */
    public double granularity() {
        return Math.scalb(1.0, -granularityExponent);
    }

    /** Ring units per value unit, 1/γ = 2^k (what the secure-aggregation plan calls the scale). */
    public double scale() {
        return Math.scalb(1.0, granularityExponent);
    }

    /** s²: the variance, in ring units, of the discrete Gaussian each site adds to every coordinate. */
    public Rational shareVarianceUnits() {
        return shareVariance;
    }

    /** s in ring units. */
    public double shareStdUnits() {
        return Math.sqrt(shareVariance.doubleValue());
    }

    /** The noise std each site adds, in value units: σ/√n_min. */
    public double shareStd() {
        return shareStdUnits() * granularity();
    }

    /** The noise std of the released sum of {@code survivors} sites, in value units. */
    public double sumStd(int survivors) {
        return shareStd() * Math.sqrt(survivors);
    }

    /** C' = C + γ√d: the sensitivity of the sum after stochastic rounding, in value units. */
    public double effectiveSensitivity() {
        return clipNorm + granularity() * Math.sqrt(dimension);
    }

    /** τ of KLS21 Theorem 1 for a sum of {@code summands} independent N_ℤ(0, s²). */
    public double tau(int summands) {
        double s2 = shareVariance.doubleValue();
        double tau = 0;
        for (int j = 1; j < summands; j++) {
            tau += Math.exp(-2 * Math.PI * Math.PI * s2 * j / (j + 1.0));
        }
        return 10 * tau;
    }

    /**
     * The noise multiplier the ledger charges (a Gaussian event with this σ/Δ has the Rényi
     * divergence of the released sum): 1/ε with ε² = Δ²/(m·s²) + 2τ(m)·d maximised over the
     * survivor counts m ∈ [n_min, n] the round can release, Δ = C/γ + √d in ring units.
     */
    public double effectiveNoiseMultiplier() {
        double deltaUnits = effectiveSensitivity() * scale();
        double s2 = shareVariance.doubleValue();
        double worst = 0;
        for (int m = minSurvivors; m <= sites; m++) {
            worst = Math.max(worst, deltaUnits * deltaUnits / (m * s2) + 2 * tau(m) * dimension);
        }
        return 1 / Math.sqrt(worst);
    }

    /**
     * Upper bound on the probability that some coordinate of the sum wraps around the ring in one
     * round, when all n sites survive (the widest sum): 2d·exp(-T²/(2·n·s²)) with T the room left
     * in [-(2^(b-1) - 1), 2^(b-1) - 1] after n rounded updates of norm C.
     */
    public double wrapProbability() {
        double room = Math.scalb(1.0, ringBits - 1) - 1 - sites * (clipNorm * scale() + 1);
        double variance = sites * shareVariance.doubleValue();
        return Math.min(1, 2.0 * dimension * Math.exp(-room * room / (2 * variance)));
    }

    /**
     * One site's input to the ring: its update clipped to L2 norm C, scaled by 1/γ, stochastically
     * rounded and noised with N_ℤ(0, s²) on every coordinate. The int values are residues modulo
     * 2^32 (Java's wrap-around), ready to be masked.
     *
     * @throws IllegalArgumentException if the update's length is not d or a value is not finite
     */
    public int[] encode(double[] update, RandomSource random) {
        Objects.requireNonNull(update, "update");
        Objects.requireNonNull(random, "random");
        if (update.length != dimension) {
            throw new IllegalArgumentException(
                    "update has " + update.length + " values, the round's encoding " + dimension);
        }
        double sumSq = 0;
        for (int i = 0; i < update.length; i++) {
            if (!Double.isFinite(update[i])) {
                throw new IllegalArgumentException(
                        "update value " + i + " is " + update[i] + "; the local training diverged."
                                + " Fix the update (or skip this round) rather than aggregating it");
            }
            sumSq += update[i] * update[i];
        }
        double norm = Math.sqrt(sumSq);
        double factor = norm > clipNorm * CLIP_SLACK ? clipNorm * CLIP_SLACK / norm : 1;
        var sampler = noiseSampler();
        int[] out = new int[update.length];
        long[] uniforms = new long[Math.min(4096, update.length)];
        for (int at = 0; at < update.length; at += uniforms.length) {
            int n = Math.min(uniforms.length, update.length - at);
            random.nextLongs(uniforms, 0, n);
            for (int k = 0; k < n; k++) {
                int i = at + k;
                double scaled = Math.scalb(update[i] * factor, granularityExponent);
                double floor = Math.floor(scaled);
                // Up with probability equal to the fractional part: unbiased, and never more than one unit off.
                double uniform = (uniforms[k] >>> 11) * 0x1.0p-53;
                out[i] = (int) ((long) floor + (uniform < scaled - floor ? 1 : 0));
            }
        }
        sampler.addTo(out, random);
        return out;
    }

    /**
     * The sampler of each site's noise share N_ℤ(0, s²): tabulated, within total variation
     * {@link TabulatedDiscreteGaussian#totalVariationBound()} (below 2^-120) per coordinate of the
     * exact one, so a round's release is within n sites × d coordinates × that bound of the exact
     * mechanism, below 2^-80 for any model and federation Cohort runs; the charge above is that of
     * the exact mechanism, and the difference is far below any δ the ledger certifies.
     */
    public TabulatedDiscreteGaussian noiseSampler() {
        return new TabulatedDiscreteGaussian(shareVariance);
    }

    /**
     * The released sum back in value units: each residue read modulo 2^b as a centred integer
     * (the sum of the survivors' signal and noise, unless it wrapped), times γ.
     */
    public double[] decode(int[] sum) {
        Objects.requireNonNull(sum, "sum");
        int shift = 32 - ringBits;
        double[] out = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = Math.scalb((double) ((sum[i] << shift) >> shift), -granularityExponent);
        }
        return out;
    }

    /** One line with every number the charge is computed from, for logs and reports. */
    public String describe() {
        return String.format(
                java.util.Locale.ROOT,
                "distributed discrete Gaussian: C=%s, z=%s, n=%d sites, n_min=%d,"
                        + " d=%d, %d-bit ring, γ=2^-%d, noise share per site %.6g, C'=%.9g, σ_eff=%.9g, P(wrap)≤%.2g",
                clipNorm,
                noiseMultiplier,
                sites,
                minSurvivors,
                dimension,
                ringBits,
                granularityExponent,
                shareStd(),
                effectiveSensitivity(),
                effectiveNoiseMultiplier(),
                wrapProbability());
    }

    private static Rational scaleByPowerOfTwo(Rational r, int exponent) {
        return exponent >= 0
                ? r.multiply(BigInteger.ONE.shiftLeft(exponent))
                : r.multiply(Rational.of(BigInteger.ONE, BigInteger.ONE.shiftLeft(-exponent)));
    }
}
