package org.cohort.coordinator.aggregation;

/**
 * Running weighted sum of update vectors, fed chunk by chunk: memory is one double vector
 * of the model's size however many sites report (O(model), not O(sites × model)).
 * Doubles keep the sum exact enough that the order in which sites arrive does not matter
 * at float32 precision.
 */
public final class WeightedSum {
    private final double[] sum;
    private long totalWeight;
    private int contributions;

    public WeightedSum(int numParameters) {
        this.sum = new double[numParameters];
    }

    /** Back to a zero sum with no contribution, to be reused for another round of the same size. */
    public synchronized void reset() {
        java.util.Arrays.fill(sum, 0.0);
        totalWeight = 0;
        contributions = 0;
    }

    public int numParameters() {
        return sum.length;
    }

    /** Adds {@code weight × values} to the slice starting at {@code offset}. */
    public synchronized void addChunk(long weight, long offset, float[] values, int count) {
        if (offset < 0 || offset + count > sum.length) {
            throw new IllegalArgumentException("chunk [" + offset + ", " + (offset + count)
                    + ") lies outside the model of " + sum.length + " parameters");
        }
        int base = (int) offset;
        for (int i = 0; i < count; i++) {
            sum[base + i] += weight * (double) values[i];
        }
    }

    /** Records that one site's update (all chunks) with this weight is complete. */
    public synchronized void completeContribution(long weight) {
        if (weight <= 0) {
            throw new IllegalArgumentException("weight must be positive, got " + weight);
        }
        totalWeight = Math.addExact(totalWeight, weight); // an overflowed sum would average with a wrong weight
        contributions++;
    }

    /**
     * Adds another replica's partial sum Σ wᵢ·xᵢ (already weighted) to the slice starting at
     * {@code offset}; its contributions are recorded with {@link #addContributions}.
     */
    public synchronized void addWeighted(long offset, double[] weighted, int count) {
        if (offset < 0 || offset + count > sum.length || count > weighted.length) {
            throw new IllegalArgumentException("partial sum chunk [" + offset + ", " + (offset + count)
                    + ") lies outside the model of " + sum.length + " parameters");
        }
        int base = (int) offset;
        for (int i = 0; i < count; i++) {
            sum[base + i] += weighted[i];
        }
    }

    /** Records {@code count} complete contributions of total weight {@code weight} merged from a partial sum. */
    public synchronized void addContributions(int count, long weight) {
        if (count < 0 || weight < 0) {
            throw new IllegalArgumentException("contributions and weight must not be negative");
        }
        totalWeight = Math.addExact(totalWeight, weight);
        contributions += count;
    }

    /** A copy of {@code count} values of the running sum from {@code offset} (to ship a partial sum in chunks). */
    public synchronized double[] slice(long offset, int count) {
        if (offset < 0 || offset + count > sum.length) {
            throw new IllegalArgumentException("slice [" + offset + ", " + (offset + count)
                    + ") lies outside the model of " + sum.length + " parameters");
        }
        return java.util.Arrays.copyOfRange(sum, (int) offset, (int) offset + count);
    }

    /** Adds {@code count} values of the running sum from {@code offset} to {@code into[0..count)} (a merge without a copy). */
    public synchronized void addSumTo(long offset, double[] into, int count) {
        if (offset < 0 || offset + count > sum.length || count > into.length) {
            throw new IllegalArgumentException("slice [" + offset + ", " + (offset + count)
                    + ") lies outside the model of " + sum.length + " parameters");
        }
        int base = (int) offset;
        for (int i = 0; i < count; i++) {
            into[i] += sum[base + i];
        }
    }

    public synchronized long totalWeight() {
        return totalWeight;
    }

    public synchronized int contributions() {
        return contributions;
    }

    /** A copy of the running sum Σ wᵢ·xᵢ (for strategies that noise the sum before averaging). */
    public synchronized double[] sum() {
        return sum.clone();
    }

    /** The weighted mean Σ wᵢ·xᵢ / Σ wᵢ. */
    public synchronized float[] mean() {
        if (totalWeight == 0) {
            throw new IllegalStateException("no contribution to average");
        }
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / totalWeight);
        }
        return mean;
    }
}
