package org.cohort.learning.dp;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Poisson sampling of rows: each call includes each of {@code n} rows independently with
 * probability q, so batches vary in size and may be empty, which is what the sampled Gaussian
 * accountant assumes.
 *
 * <p>Instead of n Bernoulli draws per batch it draws the gaps between included rows, which are
 * geometric: P(gap ≥ k) = (1-q)^k, by inversion. That costs about q·n + 1 uniform draws per batch
 * from the (slow, secure) generator instead of n.
 */
final class PoissonSampler {

    private final int n;
    private final double q;
    private final double logKeep;
    private final RandomGenerator random;
    private int[] buffer;

    PoissonSampler(int n, double q, RandomGenerator random) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be non-negative, was " + n);
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in (0, 1], was " + q);
        }
        this.n = n;
        this.q = q;
        this.logKeep = Math.log1p(-q);
        this.random = Objects.requireNonNull(random, "random");
        this.buffer = new int[Math.max(16, (int) Math.min(n, 2 * q * n + 16))];
    }

    /** The rows of the next batch, in increasing order (possibly none). */
    int[] next() {
        if (q == 1) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        int count = 0;
        long index = -1;
        while (true) {
            double u = 1 - random.nextDouble(); // in (0, 1], so the logarithm is finite
            double gap = Math.floor(Math.log(u) / logKeep);
            if (gap >= n - index - 1) {
                break;
            }
            index += (long) gap + 1;
            if (count == buffer.length) {
                buffer = Arrays.copyOf(buffer, 2 * buffer.length);
            }
            buffer[count++] = (int) index;
        }
        return Arrays.copyOf(buffer, count);
    }
}
