package org.cohort.cli;

import picocli.CommandLine;

/**
 * How the tool reads numbers from its options: surrounding spaces are ignored, whole numbers may
 * group digits with underscores as Java does ({@code --steps 1_000}), and NaN is not a number.
 * Ranges are each command's to check, so that it can list every problem of a command line at once.
 */
final class NumberConverters {
    private NumberConverters() {}

    /** A decimal number, e.g. {@code 0.01} or {@code 1e-5}. */
    static final class Decimal implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double d = Double.parseDouble(value.strip());
                if (!Double.isNaN(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
        }
    }

    /** A whole number, e.g. {@code 1000} or {@code 1_000}. */
    static final class WholeNumber implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Long.parseLong(value.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
            }
        }
    }
}
