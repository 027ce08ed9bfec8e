package org.cohort.privacy.accounting;

/** Argument checks shared by the accountants, with messages that say what is expected. */
final class Checks {
    private Checks() {}

    static void delta(double delta) {
        if (!(delta >= 0 && delta <= 1)) {
            throw new IllegalArgumentException("delta must be in [0, 1], got " + delta);
        }
    }

    static void epsilon(double epsilon) {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
        }
    }
}
