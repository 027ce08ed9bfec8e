package org.cohort.coordinator.aggregation;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The scoring of Krum (Blanchard et al. 2017, "Machine learning with adversaries: Byzantine tolerant
 * gradient descent"): with n updates of which at most f are hostile, update i scores the sum of its
 * squared L2 distances to its n − f − 2 nearest other updates; the lowest scores are the updates
 * most surrounded by others. Needs n > 2f + 2. The distances are summed over every chunk of the
 * updates in one pass (n² doubles of memory), so the updates are never whole in memory.
 */
final class KrumScores {
    private KrumScores() {}

    /** Refuses a negative f, the number of hostile sites tolerated. */
    static void requireTolerated(int f) {
        if (f < 0) {
            throw new IllegalArgumentException("krum's f (hostile sites tolerated) must be at least 0, got " + f);
        }
    }

    /**
     * The indices of the {@code count} lowest-scored of {@code n} held updates, ties to the lower
     * index, in increasing order.
     */
    static int[] best(int count, int f, int n, long numParameters, int chunkValues, RobustStrategy.Held held) {
        if (n <= 2 * f + 2) {
            throw new IllegalStateException("krum with f = " + f + " needs more than 2f + 2 = " + (2 * f + 2)
                    + " updates, the round holds " + n);
        }
        if (count < 1 || count > n - f) {
            throw new IllegalStateException("multi-krum averages 1 to n − f = " + (n - f) + " updates, not " + count);
        }
        double[] scores = scores(f, distances(n, numParameters, chunkValues, held));
        return IntStream.range(0, n)
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> scores[i]).thenComparingInt(i -> i))
                .limit(count)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    /** Squared L2 distance between every pair of the n updates, summed chunk by chunk. */
    static double[][] distances(int n, long numParameters, int chunkValues, RobustStrategy.Held held) {
        double[][] d = new double[n][n];
        for (long offset = 0; offset < numParameters; offset += chunkValues) {
            int count = (int) Math.min(chunkValues, numParameters - offset);
            float[][] rows = held.chunk(offset, count);
            if (rows.length != n) {
                throw new IllegalStateException("expected " + n + " held updates, read " + rows.length);
            }
            for (int a = 0; a < n; a++) {
                for (int b = a + 1; b < n; b++) {
                    double sum = 0;
                    for (int i = 0; i < count; i++) {
                        double diff = (double) rows[a][i] - rows[b][i];
                        sum += diff * diff;
                    }
                    d[a][b] += sum;
                    d[b][a] += sum;
                }
            }
        }
        return d;
    }

    /** Each update's score: the sum of its n − f − 2 smallest distances to the others (NaN counts as +∞). */
    static double[] scores(int f, double[][] distances) {
        int n = distances.length;
        double[] scores = new double[n];
        for (int a = 0; a < n; a++) {
            double[] others = new double[n - 1];
            int k = 0;
            for (int b = 0; b < n; b++) {
                if (b != a) {
                    double d = distances[a][b];
                    others[k++] = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
            Arrays.sort(others);
            double score = 0;
            for (int j = 0; j < n - f - 2; j++) {
                score += others[j];
            }
            scores[a] = score;
        }
        return scores;
    }

    /** Global plus the equal-weight mean of the chosen updates, chunk by chunk. */
    static RobustStrategy.Combine averaging(int[] chosen) {
        return (global, updates) -> {
            float[] next = new float[global.length];
            for (int i = 0; i < global.length; i++) {
                double sum = 0;
                for (int u : chosen) {
                    sum += updates[u][i];
                }
                next[i] = (float) (global[i] + sum / chosen.length);
            }
            return next;
        };
    }
}
