package org.cohort.coordinator.ledger;

import java.time.Instant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;

/**
 * One recorded charge: what one release of a site's update (an attempt of round
 * {@code roundNumber}, named by its round id and the digest the site signed) cost that site, for
 * one protected unit. The ledger holds at most one per (study, round, round id, site, unit,
 * digest). A charge made before charges were per release has an empty round id and digest and
 * attempt 0: it stood for the whole round.
 */
public record LedgerCharge(
        String studyId,
        int roundNumber,
        String siteId,
        Unit unit,
        PrivacyEvent event,
        Instant chargedAt,
        String roundId,
        int attempt,
        String payloadSha256) {

    /** Whether this is a charge from before per-release charging (one per round number). */
    public boolean perRound() {
        return payloadSha256.isEmpty();
    }

    /**
     * The id of this charge in an {@link org.cohort.privacy.accounting.EventHistory}, e.g.
     * "st-1/round-3/attempt-2/site-a/3f2a9c01b7e4" (a per-round charge from before: "st-1/round-3/site-a").
     */
    public String entryId() {
        String round = studyId + "/round-" + roundNumber + "/";
        return perRound()
                ? round + siteId
                : round + "attempt-" + attempt + "/" + siteId + "/" + payloadSha256.substring(0, 12);
    }
}
