package org.cohort.protocol;

import java.util.List;
import org.cohort.protocol.v1.SiteMetrics;

/**
 * A regression study's held-out evaluation as it travels in {@link SiteMetrics}: the number of
 * held-out rows and two sums of their errors, in units of the study's declared label range
 * R = max − min, quantised so that sums over sites (and SecAgg-style sums) are exact integers:
 * {@code absoluteErrors} = Σ round(Q·|e|/R) and {@code squaredErrors} = Σ round(Q·(e/R)²), with
 * e = prediction − label, both clamped to [min, max] first (so |e|/R ≤ 1), and Q = {@value #QUANTUM}.
 * MAE = R·Σ|e|/R / n and RMSE = R·sqrt(Σ(e/R)² / n) follow, per site and pooled over the summed values.
 *
 * <p>Sensitivity: adding or removing one patient (one held-out row) changes the count by 1 and each
 * sum by at most Q, so in units of (1, Q, Q) the change is a vector of L2 norm at most √3. Under
 * patient-level DP each value carries discrete Gaussian noise of standard deviation {@code noise}
 * in those units (σ·√3 for the study's evaluation noise multiplier σ: Q·σ·√3 on the sums), so the
 * Rényi divergence of the release is at most α·3/(2·3σ²) = α/(2σ²), one Gaussian mechanism of noise
 * multiplier σ ({@link #noiseMultiplier()}), charged like a score histogram's. Noised values may
 * be negative; figures derived from them clamp (post-processing, no further ε).
 *
 * @param count held-out rows n (noised under DP)
 * @param absoluteErrors Σ round(Q·|e|/R)
 * @param squaredErrors Σ round(Q·(e/R)²)
 * @param noise 0 (exact) or the noise's standard deviation in units of (1, Q, Q)
 */
public record ErrorSums(long count, long absoluteErrors, long squaredErrors, double noise) {

    /** Quantisation: one row's scaled error is kept to 10^-6 of the label range. */
    public static final long QUANTUM = 1_000_000L;

    /** L2 sensitivity of (count, Σ|e|/R, Σ(e/R)²) in units of (1, Q, Q) to one patient: √3. */
    public static final double SENSITIVITY = Math.sqrt(3);

    public ErrorSums {
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException(
                    "error sums' noise is 0 (exact) or a finite standard deviation above 0, got " + noise);
        }
        if (noise == 0) {
            long most = maxSum(count);
            if (count < 0 || absoluteErrors < 0 || squaredErrors < 0 || absoluteErrors > most || squaredErrors > most) {
                throw new IllegalArgumentException("exact error sums (noise 0) have a count of at least 0 and each sum"
                        + " in [0, count·" + QUANTUM + "], got " + count + ", " + absoluteErrors + ", "
                        + squaredErrors);
            }
        }
    }

    /**
     * The exact sums of predictions against targets, both in the scaled unit ([0, 1] spans the
     * declared range) and clamped to [0, 1] first.
     */
    public static ErrorSums measure(double[] predictions, double[] targets) {
        if (predictions.length != targets.length) {
            throw new IllegalArgumentException(
                    predictions.length + " predictions for " + targets.length + " targets; they pair one to one");
        }
        long absolute = 0;
        long squared = 0;
        for (int i = 0; i < predictions.length; i++) {
            double e = clamp(predictions[i]) - clamp(targets[i]);
            absolute = Math.addExact(absolute, Math.round(QUANTUM * Math.abs(e)));
            squared = Math.addExact(squared, Math.round(QUANTUM * e * e));
        }
        return new ErrorSums(predictions.length, absolute, squared, 0);
    }

    /** A scaled value clamped to [0, 1]; NaN (a diverged model) counts as the farthest error's end, 0. */
    private static double clamp(double scaled) {
        return scaled >= 0 ? Math.min(1, scaled) : 0;
    }

    /** The largest each sum may be over {@code count} rows: count·Q, or Long.MAX_VALUE beyond. */
    static long maxSum(long count) {
        return count > Long.MAX_VALUE / QUANTUM ? Long.MAX_VALUE : Math.max(0, count) * QUANTUM;
    }

    /** The sums carried by {@code metrics}, or null when it carries none. */
    public static ErrorSums from(SiteMetrics metrics) {
        if (metrics.getErrorSumsCount() == 0) {
            return null;
        }
        if (metrics.getErrorSumsCount() != 3) {
            throw new IllegalArgumentException(
                    "error sums are three values (count, Σ|e|, Σe²), got " + metrics.getErrorSumsCount());
        }
        return new ErrorSums(
                metrics.getErrorSums(0), metrics.getErrorSums(1), metrics.getErrorSums(2), metrics.getErrorSumsNoise());
    }

    /** Writes these sums into {@code metrics}. */
    public SiteMetrics.Builder into(SiteMetrics.Builder metrics) {
        return metrics.clearErrorSums().addAllErrorSums(values()).setErrorSumsNoise(noise);
    }

    /** The three values in wire order. */
    public List<Long> values() {
        return List.of(count, absoluteErrors, squaredErrors);
    }

    /** Whether the values carry noise (a DP release) rather than being exact. */
    public boolean noised() {
        return noise > 0;
    }

    /** The noise multiplier of the release: its noise over the sensitivity √3 (what the ledger charges). */
    public double noiseMultiplier() {
        return noise / SENSITIVITY;
    }

    /** The (noised) number of rows, at least 0. */
    public long examples() {
        return Math.max(0, count);
    }

    /** Mean absolute error in the label column's unit, for label range width {@code width}; NaN without rows. */
    public double meanAbsoluteError(double width) {
        long n = examples();
        return n == 0 ? Double.NaN : width * clampSum(absoluteErrors, n) / ((double) QUANTUM * n);
    }

    /** Root mean squared error in the label column's unit, for label range width {@code width}; NaN without rows. */
    public double rootMeanSquaredError(double width) {
        long n = examples();
        return n == 0 ? Double.NaN : width * Math.sqrt(clampSum(squaredErrors, n) / ((double) QUANTUM * n));
    }

    /** A (noised) sum clamped to what n rows can hold, [0, n·Q]: post-processing of the release. */
    private static double clampSum(long sum, long n) {
        return Math.max(0, Math.min((double) maxSum(n), sum));
    }

    /** The element-wise sum of several sites' sums: the sums of all their rows (pooling). */
    public static ErrorSums sum(List<ErrorSums> parts) {
        long n = 0;
        long absolute = 0;
        long squared = 0;
        double noiseSquares = 0;
        for (ErrorSums p : parts) {
            n = saturatedAdd(n, p.count());
            absolute = saturatedAdd(absolute, p.absoluteErrors());
            squared = saturatedAdd(squared, p.squaredErrors());
            noiseSquares += p.noise() * p.noise();
        }
        // Independent noises add in variance.
        return new ErrorSums(n, absolute, squared, Math.sqrt(noiseSquares));
    }

    /**
     * a + b, held at the long range's ends rather than wrapping or failing: a site allowed ~10^13 rows may
     * send sums near the end of the range, and the pool must still give a figure (which the figures clamp
     * to what its rows can hold), not none, or one site could hide every site's.
     */
    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    /** The values as text, comma-separated (how the coordinator stores them); {@link #parse} reads them back. */
    public String format() {
        return count + "," + absoluteErrors + "," + squaredErrors;
    }

    /** The sums of {@link #format}'s text, with the given noise. */
    public static ErrorSums parse(String text, double noise) {
        String[] parts = text.split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException("stored error sums are three integers, got '" + text + "'");
        }
        return new ErrorSums(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]), noise);
    }

    /** SHA-256 over the three values as big-endian 64-bit integers: what the site's manifest names as its payload. */
    public byte[] sha256() {
        return CountDigest.sha256(values());
    }
}
