package org.cohort.simulation.virtual;

import java.util.Random;

/**
 * How rows are dealt to virtual sites, reproducibly from a seed: site sizes from a log-normal
 * spread, and label skew from a Dirichlet draw per site (Hsu et al. 2019, "Measuring the effects
 * of non-identical data distribution"), as a partition: every row goes to exactly one site.
 *
 * <p>Site s gets label proportions p_s ~ Dir(α·K·π), π being the classes' shares of the rows and K
 * their number (α = 1 on balanced classes is uniform over the simplex; α → ∞ is IID, α = 0.1 gives
 * most sites nearly one class). Sites are then filled in a random order, each row's class drawn from
 * p_s among the classes with rows left, so the sizes and the class totals are exact.
 */
public final class NonIidSplit {
    private NonIidSplit() {}

    /**
     * {@code total} rows shared among {@code sites} sites, at least one each, in proportion to
     * exp(spread·Z) with Z standard normal (0: equal sizes up to rounding; 1: a log-normal spread in
     * which the largest sites hold tens of times the smallest), rounded by largest remainder.
     */
    public static int[] sizes(int sites, int total, double spread, long seed) {
        if (sites < 1 || total < sites) {
            throw new IllegalArgumentException(
                    total + " rows cannot give each of " + sites + " sites at least one row");
        }
        if (!(spread >= 0) || Double.isInfinite(spread)) {
            throw new IllegalArgumentException("the size spread must be a finite number of at least 0, got " + spread);
        }
        Random random = new Random(seed);
        double[] weight = new double[sites];
        double sum = 0;
        for (int s = 0; s < sites; s++) {
            weight[s] = Math.exp(spread * random.nextGaussian());
            sum += weight[s];
        }
        int[] sizes = new int[sites];
        double[] remainder = new double[sites];
        int spare = total - sites; // one row each first
        int dealt = 0;
        for (int s = 0; s < sites; s++) {
            double share = spare * weight[s] / sum;
            sizes[s] = 1 + (int) Math.floor(share);
            remainder[s] = share - Math.floor(share);
            dealt += sizes[s];
        }
        Integer[] byRemainder = new Integer[sites];
        for (int s = 0; s < sites; s++) {
            byRemainder[s] = s;
        }
        java.util.Arrays.sort(byRemainder, (a, b) -> Double.compare(remainder[b], remainder[a]));
        for (int i = 0; dealt < total; i = (i + 1) % sites) {
            sizes[byRemainder[i]]++;
            dealt++;
        }
        return sizes;
    }

    /**
     * A partition of the rows with labels {@code labels} among sites of the given {@code sizes}
     * (which must sum to the rows): row indices per site. {@code alpha} is the Dirichlet
     * concentration (infinite: IID).
     */
    public static int[][] partition(int[] labels, int numClasses, int[] sizes, double alpha, long seed) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("alpha must be above 0 (infinite: IID), got " + alpha);
        }
        long total = 0;
        for (int size : sizes) {
            if (size < 0) {
                throw new IllegalArgumentException("a site size is negative: " + size);
            }
            total += size;
        }
        if (total != labels.length) {
            throw new IllegalArgumentException("site sizes sum to " + total + " but there are " + labels.length
                    + " rows; a partition deals every row once");
        }
        Random random = new Random(seed);
        var byClass = Population.rowsByClass(labels, numClasses);
        int[] left = new int[numClasses];
        double[] prior = new double[numClasses];
        for (int k = 0; k < numClasses; k++) {
            int[] rows = byClass.get(k);
            int[] order = Population.shuffled(rows.length, random);
            int[] shuffled = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                shuffled[i] = rows[order[i]];
            }
            byClass.set(k, shuffled);
            left[k] = rows.length;
            prior[k] = (double) rows.length / labels.length;
        }
        int[][] out = new int[sizes.length][];
        double[] weights = new double[numClasses];
        for (int s : Population.shuffled(sizes.length, random)) {
            double[] p = dirichlet(alpha, prior, random);
            out[s] = new int[sizes[s]];
            for (int j = 0; j < sizes[s]; j++) {
                double sum = 0;
                for (int k = 0; k < numClasses; k++) {
                    weights[k] = left[k] > 0 ? p[k] : 0;
                    sum += weights[k];
                }
                if (!(sum > 0)) { // the site's classes are used up: take what is left
                    for (int k = 0; k < numClasses; k++) {
                        weights[k] = left[k];
                        sum += weights[k];
                    }
                }
                int k = draw(weights, sum, random);
                int[] rows = byClass.get(k);
                out[s][j] = rows[rows.length - left[k]];
                left[k]--;
            }
        }
        return out;
    }

    /** {@code n} rows drawn with replacement from {@code sourceRows} (a bootstrap), as source indices. */
    public static int[] resample(int sourceRows, int n, long seed) {
        Random random = new Random(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = random.nextInt(sourceRows);
        }
        return out;
    }

    /** Label proportions from Dir(α·K·prior); the prior itself for infinite α. */
    static double[] dirichlet(double alpha, double[] prior, Random random) {
        int k = prior.length;
        if (Double.isInfinite(alpha)) {
            return prior.clone();
        }
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = prior[i] > 0 ? gamma(alpha * k * prior[i], random) : 0;
            sum += p[i];
        }
        if (!(sum > 0)) { // every draw underflowed (tiny α): all the mass on one class, drawn from the prior
            p = new double[k];
            p[draw(prior, 1, random)] = 1;
            return p;
        }
        for (int i = 0; i < k; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape below 1. */
    static double gamma(double shape, Random random) {
        if (shape < 1) {
            return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = random.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    private static int draw(double[] weights, double sum, Random random) {
        double u = random.nextDouble() * sum;
        for (int k = 0; k < weights.length; k++) {
            u -= weights[k];
            if (u < 0 && weights[k] > 0) {
                return k;
            }
        }
        for (int k = weights.length - 1; k >= 0; k--) { // rounding: the last class with weight
            if (weights[k] > 0) {
                return k;
            }
        }
        throw new IllegalStateException("no class to draw from");
    }
}
