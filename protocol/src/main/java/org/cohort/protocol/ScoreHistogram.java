package org.cohort.protocol;

import java.util.ArrayList;
import java.util.List;
import org.cohort.protocol.v1.SiteMetrics;

/**
 * A binary study's held-out evaluation as it travels in {@link SiteMetrics}: counts of held-out rows
 * by true class (row 0: class 0, row 1: class 1) and by {@link #BINS} equal-width bins of the
 * model's predicted probability of class 1 on [0, 1] (bin {@code b} holds scores in [b/B, (b+1)/B),
 * the last bin also 1), row-major, 2·bins counts. AUROC, AUPRC, calibration error and accuracy at
 * 0.5 all follow from it ({@link ScoreHistogramMetrics}); pooled figures over sites are those of the
 * summed histograms.
 *
 * <p>In clear ({@code noise} 0) the counts are exact. Under patient-level DP each count carries
 * discrete Gaussian noise of standard deviation {@code noise}: one held-out row adds 1 to exactly one
 * count, so, as for {@link NoisedConfusion} (which this replaces for a binary study), the L2
 * sensitivity is 1 under add/remove-one-patient adjacency and the release is one Gaussian mechanism
 * of noise multiplier {@code noise}. Noised counts may be negative.
 *
 * @param counts 2·bins counts, row-major (true class × score bin)
 */
public record ScoreHistogram(List<Long> counts, int bins, double noise) {

    /**
     * Score bins of a histogram: equal-width on [0, 1], even so that 0.5 is a bin edge (accuracy at
     * threshold 0.5 follows from the counts). Finer bins resolve AUROC better but, under DP, put
     * more noised counts into every figure; 20 keeps the quantisation error of AUROC small (only
     * pairs within one bin, 1/20 wide, count as ties) at 40 counts per release.
     */
    public static final int BINS = 20;

    /**
     * Bins of a binary study's histogram under differential privacy unless the study declares others:
     * every figure sums noised counts, and 4 bins put 8 of them into AUROC and AUPRC instead of 40
     * (a fifth of the summed noise variance), at the price of ties within each quarter of [0, 1].
     */
    public static final int DP_BINS = 4;

    /** The most bins a study may declare ({@code dataset.scoreBins}). */
    public static final int MAX_STUDY_BINS = 100;

    /**
     * The bins of a study that declares {@code declared} (its dataset's {@code score_bins}; 0: {@link #BINS}).
     * A site takes the value from the coordinator, so it is checked here, before anything is sized by it.
     */
    public static int binsOf(int declared) {
        if (declared == 0) {
            return BINS;
        }
        if (declared < 2 || declared > MAX_STUDY_BINS || declared % 2 != 0) {
            throw new IllegalArgumentException("the study declares " + declared + " score bins; a study's score"
                    + " histogram has an even number of bins from 2 to " + MAX_STUDY_BINS);
        }
        return declared;
    }

    /** The most bins a histogram may have (it travels in a signed header). */
    public static final int MAX_BINS = 1000;

    public ScoreHistogram {
        counts = List.copyOf(counts);
        if (bins < 2 || bins > MAX_BINS || bins % 2 != 0 || counts.size() != 2 * bins) {
            throw new IllegalArgumentException("a score histogram has an even number of bins from 2 to " + MAX_BINS
                    + " and 2·bins counts, got " + bins + " bins and " + counts.size() + " counts");
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException(
                    "a score histogram's noise is 0 (exact) or a finite standard deviation above 0, got " + noise);
        }
        if (noise == 0 && counts.stream().anyMatch(c -> c < 0)) {
            throw new IllegalArgumentException("an exact score histogram (noise 0) has no negative count");
        }
    }

    /** The empty histogram of {@link #BINS} bins, in clear. */
    public static ScoreHistogram empty() {
        return new ScoreHistogram(java.util.Collections.nCopies(2 * BINS, 0L), BINS, 0);
    }

    /** The bin of a predicted probability of class 1 among {@code bins} (NaN and values outside [0, 1] are refused). */
    public static int bin(double score, int bins) {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("a predicted probability lies in [0, 1], got " + score);
        }
        return Math.min(bins - 1, (int) (score * bins));
    }

    /** The histogram carried by {@code metrics}, or null when it carries none. */
    public static ScoreHistogram from(SiteMetrics metrics) {
        if (metrics.getScoreHistogramCount() == 0) {
            return null;
        }
        return new ScoreHistogram(
                metrics.getScoreHistogramList(), metrics.getScoreBins(), metrics.getScoreHistogramNoise());
    }

    /** Writes this histogram into {@code metrics}. */
    public SiteMetrics.Builder into(SiteMetrics.Builder metrics) {
        return metrics.clearScoreHistogram()
                .addAllScoreHistogram(counts)
                .setScoreBins(bins)
                .setScoreHistogramNoise(noise);
    }

    /** Whether the counts carry noise (a DP release) rather than being exact. */
    public boolean noised() {
        return noise > 0;
    }

    /** Count of rows of true class {@code label} (0 or 1) in bin {@code bin}. */
    public long count(int label, int bin) {
        return counts.get(label * bins + bin);
    }

    /** The (noised) number of rows: the sum of all counts, at least 0. */
    public long examples() {
        return Math.max(0, counts.stream().mapToLong(Long::longValue).sum());
    }

    /** The (noised) number of rows classified right at threshold 0.5, clamped to [0, examples]. */
    public long correct() {
        long right = 0;
        for (int b = 0; b < bins; b++) {
            right += b < bins / 2 ? count(0, b) : count(1, b);
        }
        return Math.max(0, Math.min(examples(), right));
    }

    /** The counts as text, comma-separated (how the coordinator stores them); {@link #parse} reads them back. */
    public String format() {
        return counts.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    /** The histogram of {@link #format}'s text, with the given noise. */
    public static ScoreHistogram parse(String text, double noise) {
        var counts = java.util.Arrays.stream(text.split(",")).map(Long::valueOf).toList();
        return new ScoreHistogram(counts, counts.size() / 2, noise);
    }

    /** The cell-wise sum of histograms of the same binning: the histogram of all their rows (pooling). */
    public static ScoreHistogram sum(List<ScoreHistogram> histograms) {
        if (histograms.isEmpty()) {
            return empty();
        }
        int bins = histograms.get(0).bins();
        long[] total = new long[2 * bins];
        double noiseSquares = 0;
        for (ScoreHistogram h : histograms) {
            if (h.bins() != bins) {
                throw new IllegalArgumentException(
                        "histograms to pool share their binning, got " + bins + " and " + h.bins() + " bins");
            }
            for (int i = 0; i < total.length; i++) {
                total[i] = Math.addExact(total[i], h.counts().get(i));
            }
            noiseSquares += h.noise() * h.noise();
        }
        var list = new ArrayList<Long>(total.length);
        for (long c : total) {
            list.add(c);
        }
        // Independent noises add in variance.
        return new ScoreHistogram(list, bins, Math.sqrt(noiseSquares));
    }

    /** SHA-256 over the counts as big-endian 64-bit integers: what the site's manifest names as its payload. */
    public byte[] sha256() {
        return CountDigest.sha256(counts);
    }
}
