package org.cohort.coordinator.round;

/** What the orchestrator must do after a transition. */
public enum RoundDecision {
    /** Keep collecting. */
    WAIT,
    /** Enough sites reported and none is outstanding (or the deadline passed): aggregate now. */
    AGGREGATE,
    /** The round closed with fewer reports than the minimum: start a fresh attempt or give up. */
    RETRY
}
