package org.cohort.coordinator.round;

import java.util.Optional;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.coordinator.site.Site;

/**
 * Revocation takes effect for uploads already in flight: a site's call passed the certificate
 * checks when it began, so the upload path asks again, as the record stands now, at every chunk
 * and before anything is folded into a sum. Pure: the caller reads the site record.
 */
public final class RevokedUploads {
    private RevokedUploads() {}

    /** Why nothing more of {@code siteId}'s upload may be taken, if its record says so. */
    public static Optional<UploadRejection> check(Optional<Site> site, String siteId) {
        if (site.isEmpty()) {
            return Optional.of(new UploadRejection(
                    Reason.REVOKED,
                    "site " + siteId + " is no longer enrolled at this" + " coordinator; its upload is discarded"));
        }
        if (site.get().revoked()) {
            return Optional.of(new UploadRejection(
                    Reason.REVOKED,
                    "site " + siteId + " was revoked at "
                            + site.get().revokedAt() + " (" + site.get().revokedReason() + ") while its upload was in"
                            + " flight; nothing of it is counted. Ask the coordinator admin to re-enroll the site"));
        }
        return Optional.empty();
    }
}
