package org.cohort.coordinator.round;

/** What the sites are asked to do in a round. */
public enum RoundKind {
    /** Evaluate the incoming global model, train locally, upload an update. */
    TRAIN,
    /** Only evaluate the global model on held-out data (the study's final check). */
    EVALUATE
}
