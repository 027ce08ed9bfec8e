package org.cohort.coordinator.study;

/** No study has this id. */
public class UnknownStudyException extends RuntimeException {
    public UnknownStudyException(String studyId) {
        super("no study with id '" + studyId + "'; list studies with GET /api/studies");
    }
}
