package org.cohort.coordinator.study;

import java.time.Instant;

/** A study as stored: its spec (with defaults applied), the DL4J model configuration, progress. */
public record Study(
        String studyId,
        StudySpec spec,
        String modelConfigJson,
        StudyStatus status,
        String statusDetail,
        long currentVersion,
        int roundsDone,
        Instant createdAt,
        Instant updatedAt) {}
