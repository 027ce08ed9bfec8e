package org.cohort.simulation.bench;

import picocli.CommandLine;

/**
 * How the benchmarks read their sizes and counts from the command line: whole numbers of at least
 * 1, digits optionally grouped with underscores as in Java ({@code --params 1_000_000_000}).
 */
final class BenchNumbers {
    private BenchNumbers() {}

    /** A count or size that fits an int: sites, repeats, rows, epochs. */
    static final class PositiveInt implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) positive(value, Integer.MAX_VALUE);
        }
    }

    /** A size that may exceed an int: a model's parameters. */
    static final class PositiveLong implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return positive(value, Long.MAX_VALUE);
        }
    }

    private static long positive(String value, long max) {
        long n;
        try {
            n = Long.parseLong(value.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
        }
        if (n < 1) {
            throw new CommandLine.TypeConversionException("must be at least 1, got " + n);
        }
        if (n > max) {
            throw new CommandLine.TypeConversionException("must be at most " + max + ", got " + n);
        }
        return n;
    }

    /** The median (the mean of the two middle values for an even count) of a benchmark's repeated timings. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
