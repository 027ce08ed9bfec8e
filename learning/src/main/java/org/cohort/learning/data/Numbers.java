package org.cohort.learning.data;

/** Parsing of numeric cells, shared by the encoder and categorical matching. */
final class Numbers {

    private Numbers() {}

    /** The finite number in {@code text}, or null when it is not one (NaN and infinities are not). */
    static Double parseOrNull(String text) {
        try {
            double value = Double.parseDouble(text);
            return Double.isFinite(value) ? value : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
