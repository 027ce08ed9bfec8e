package org.cohort.coordinator.registry;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One published global model: its parameters on disk, the signed manifest agents verify,
 * its parent and the sites whose updates produced it (lineage).
 */
public record ModelVersion(
        String studyId,
        long version,
        long parentVersion,
        int roundNumber,
        long numParameters,
        String payloadSha256Hex,
        byte[] manifest,
        byte[] signature,
        List<String> contributors,
        Path path,
        Instant createdAt) {}
