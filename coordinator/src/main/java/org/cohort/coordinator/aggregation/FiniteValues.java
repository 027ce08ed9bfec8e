package org.cohort.coordinator.aggregation;

/**
 * Finds a NaN or an infinity in a block of update values fast, since every value of every update
 * goes through it before anything is added to a sum.
 */
final class FiniteValues {
    private FiniteValues() {}

    /**
     * The index of the first NaN or infinity, or -1. A branch-free max of |v| over the block first
     * (Math.max propagates NaN; an infinity is the max): the JIT turns it into a vector reduction,
     * several times faster than testing each value, and only a bad block is searched value by value.
     */
    static int firstNonFinite(float[] values, int from, int count) {
        float largest = 0;
        for (int k = from; k < from + count; k++) {
            largest = Math.max(largest, Math.abs(values[k]));
        }
        if (largest <= Float.MAX_VALUE) {
            return -1;
        }
        for (int k = from; k < from + count; k++) {
            if (!Float.isFinite(values[k])) {
                return k;
            }
        }
        return -1;
    }

    static IllegalArgumentException nonFinite(float value, long offset, String where) {
        return new IllegalArgumentException(where + ": the value at parameter offset " + offset + " is " + value
                + "; updates must be finite, nothing was added");
    }
}
