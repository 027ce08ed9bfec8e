package org.cohort.coordinator.ledger;

import java.time.Instant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;

/**
 * One recorded charge: what round {@code roundNumber} of a study cost one site, for one
 * protected unit. The ledger holds at most one per (study, round, site, unit).
 */
public record LedgerCharge(String studyId, int roundNumber, String siteId, Unit unit, PrivacyEvent event,
                           Instant chargedAt) {

    /** The id of this charge in an {@link org.cohort.privacy.accounting.EventHistory}, e.g. "st-1/round-3/site-a". */
    public String entryId() {
        return entryId(studyId, roundNumber, siteId);
    }

    public static String entryId(String studyId, int roundNumber, String siteId) {
        return studyId + "/round-" + roundNumber + "/" + siteId;
    }
}
