package org.cohort.protocol;

import java.util.List;
import org.cohort.protocol.v1.SiteMetrics;

/**
 * A site's final evaluation under differential privacy, as it travels in {@link SiteMetrics}: the
 * confusion matrix of the global model on the site's held-out rows (true class × predicted class,
 * row-major), each count plus discrete Gaussian noise of standard deviation {@code noise}.
 *
 * <p>One held-out row adds 1 to exactly one count, so the matrix has L2 sensitivity 1 under
 * add/remove-one-row adjacency (one patient, where each patient has one row: a site refuses a
 * patient-level task when its id column repeats), and the release is the Gaussian mechanism
 * with noise multiplier {@code noise} (the discrete Gaussian gives the same zCDP as the continuous
 * one: Canonne, Kamath and Steinke 2020). Everything a reader derives from it (accuracy, examples,
 * pooled figures over sites) is post-processing and costs nothing more. Noised counts can be
 * negative and do not add up to the true number of rows: that is the point.
 *
 * @param counts classes² noised counts, row-major
 */
public record NoisedConfusion(List<Long> counts, int classes, double noise) {

    /** The most classes a released matrix may have (it is classes² counts long, and travels in a header). */
    public static final int MAX_CLASSES = 64;

    public NoisedConfusion {
        counts = List.copyOf(counts);
        if (classes < 2 || classes > MAX_CLASSES || counts.size() != classes * classes) {
            throw new IllegalArgumentException("a confusion matrix of " + classes + " classes has classes² counts"
                    + " (2 to " + MAX_CLASSES + " classes), got " + counts.size() + " counts");
        }
        if (!(noise > 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("a released confusion matrix carries noise of a finite standard"
                    + " deviation above 0, got " + noise);
        }
    }

    /** The release carried by {@code metrics}, or null when it carries none. */
    public static NoisedConfusion from(SiteMetrics metrics) {
        if (metrics.getNoisedConfusionCount() == 0) {
            return null;
        }
        return new NoisedConfusion(
                metrics.getNoisedConfusionList(), metrics.getConfusionClasses(), metrics.getConfusionNoise());
    }

    /** Writes this release into {@code metrics}. */
    public SiteMetrics.Builder into(SiteMetrics.Builder metrics) {
        return metrics.clearNoisedConfusion()
                .addAllNoisedConfusion(counts)
                .setConfusionClasses(classes)
                .setConfusionNoise(noise);
    }

    /** SHA-256 over the counts as big-endian 64-bit integers: what the site's manifest names as its payload. */
    public byte[] sha256() {
        return CountDigest.sha256(counts);
    }

    /** The noised number of held-out rows: the sum of all counts, at least 0. */
    public long examples() {
        return Math.max(0, counts.stream().mapToLong(Long::longValue).sum());
    }

    /** The noised number of correct predictions: the diagonal's sum, clamped to [0, examples]. */
    public long correct() {
        long diagonal = 0;
        for (int c = 0; c < classes; c++) {
            diagonal += counts.get(c * classes + c);
        }
        return Math.max(0, Math.min(examples(), diagonal));
    }
}
