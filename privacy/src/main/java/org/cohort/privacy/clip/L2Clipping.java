package org.cohort.privacy.clip;

/**
 * L2 clipping, the step that bounds each contribution's sensitivity before noise is added.
 * Scaled values are rounded to float, which can push the norm a few ulps above the bound; the
 * scale factor is shrunk by 2^-22 so the clipped norm never exceeds it — the guarantee is
 * computed for exactly that bound.
 */
public final class L2Clipping {

    /** Covers float rounding of every coordinate (≤ 2^-24 relative each) with room to spare. */
    private static final double SAFETY = 1 - 0x1p-22;

    private L2Clipping() {}

    /** Euclidean norm, accumulated in double. */
    public static double l2Norm(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    public static double l2Norm(double[] values) {
        double scale = 0;
        for (double v : values) {
            scale = Math.max(scale, Math.abs(v));
        }
        if (scale == 0 || Double.isInfinite(scale) || Double.isNaN(scale)) {
            return scale;
        }
        // Scaled to avoid overflow of the squares.
        double sum = 0;
        for (double v : values) {
            double s = v / scale;
            sum += s * s;
        }
        return scale * Math.sqrt(sum);
    }

    /**
     * The factor to multiply a contribution of norm {@code norm} by so that it has norm at most
     * {@code maxNorm}: 1 when it already does, otherwise slightly below maxNorm/norm. Use it for
     * per-example gradients, where the factor is applied by the training library.
     */
    public static double clipFactor(double norm, double maxNorm) {
        checkBound(maxNorm);
        if (Double.isNaN(norm) || norm < 0) {
            throw new IllegalArgumentException("norm must be a non-negative number, got " + norm);
        }
        if (Double.isInfinite(norm)) {
            throw new IllegalArgumentException(
                    "cannot clip an update with infinite norm; it contains overflowed values");
        }
        if (norm <= maxNorm) {
            return 1.0;
        }
        return maxNorm / norm * SAFETY;
    }

    /**
     * Scales {@code update} in place so its L2 norm is at most {@code maxNorm}.
     *
     * @return the norm before clipping (for clipping statistics and adaptive clipping)
     * @throws IllegalArgumentException if the update holds NaN or infinite values, which no
     *     clipping can bound
     */
    public static double clipInPlace(float[] update, double maxNorm) {
        checkBound(maxNorm);
        for (float v : update) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("update contains " + v + "; refusing to clip (and release) it");
            }
        }
        double norm = l2Norm(update);
        double factor = clipFactor(norm, maxNorm);
        if (factor < 1) {
            for (int i = 0; i < update.length; i++) {
                update[i] = (float) (update[i] * factor);
            }
        }
        return norm;
    }

    /** As {@link #clipInPlace(float[], double)} for double updates. */
    public static double clipInPlace(double[] update, double maxNorm) {
        checkBound(maxNorm);
        for (double v : update) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("update contains " + v + "; refusing to clip (and release) it");
            }
        }
        double norm = l2Norm(update);
        double factor = clipFactor(norm, maxNorm);
        if (factor < 1) {
            for (int i = 0; i < update.length; i++) {
                update[i] *= factor;
            }
        }
        return norm;
    }

    private static void checkBound(double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipping norm must be positive and finite, got " + maxNorm);
        }
    }
}
