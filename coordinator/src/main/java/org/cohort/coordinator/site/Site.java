package org.cohort.coordinator.site;

import java.time.Instant;

/** An enrolled hospital site as the coordinator knows it. */
public record Site(
        String siteId,
        String siteName,
        String certificateSerialHex,
        Instant certificateNotAfter,
        byte[] updateSigningPublicKey,
        String agentVersion,
        Instant enrolledAt,
        Instant revokedAt,
        String revokedReason) {

    public boolean revoked() {
        return revokedAt != null;
    }
}
