package org.cohort.coordinator.round;

/** Where a round attempt stands. Only COLLECTING accepts uploads. */
public enum RoundPhase {
    /** Tasks were sent; uploads are accepted until every selected site is accounted for or the deadline passes. */
    COLLECTING,
    /** Closed with enough reports; the aggregate is being computed and published. */
    AGGREGATING,
    /** The new model version (or the evaluation) is recorded. */
    COMPLETED,
    /** Closed with too few reports (or aborted); a fresh attempt may follow. */
    FAILED
}
