package org.cohort.coordinator.study;

/** Life cycle of a study. */
public enum StudyStatus {
    CREATED,
    RUNNING,
    STOPPED,
    COMPLETED,
    FAILED
}
