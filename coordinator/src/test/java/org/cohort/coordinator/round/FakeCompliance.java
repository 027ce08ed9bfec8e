package org.cohort.coordinator.round;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.cohort.coordinator.compliance.RoundCompliance;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.coordinator.study.Study;

/**
 * The ledger side of rounds without a ledger: every release charged (once, as the real one keys
 * them) and every round recorded are kept for the tests; the budget says yes unless a test sets a
 * refusal.
 */
final class FakeCompliance extends RoundCompliance {
    final List<ReleaseCharge> charged = new ArrayList<>();
    final List<RoundRecord> recorded = new ArrayList<>();
    /** When set, no round may start: the budget's reason. */
    String roundRefusal;
    /** When set, every update with a charge is over budget: the reason. */
    String updateRefusal;
    /** When set, putting a round on record fails (the ledger's database is gone). */
    boolean recordingFails;

    FakeCompliance(Clock clock) {
        super(null, null, null, clock);
    }

    @Override
    public BudgetDecision checkRound(Study study, int roundNumber, Collection<String> selectedSites) {
        return new BudgetDecision(
                roundRefusal == null,
                study.studyId(),
                roundNumber,
                List.of(),
                roundRefusal == null ? "within budget" : roundRefusal);
    }

    @Override
    public Optional<String> overBudget(Study study, ReleaseCharge release) {
        return release == null ? Optional.empty() : Optional.ofNullable(updateRefusal);
    }

    @Override
    public boolean chargeRelease(ReleaseCharge c, Released how) {
        boolean fresh = charged.stream()
                .noneMatch(old -> old.release().roundId().equals(c.release().roundId())
                        && old.release().siteId().equals(c.release().siteId())
                        && old.release().payloadSha256().equals(c.release().payloadSha256()));
        if (fresh) {
            charged.add(c);
        }
        return fresh;
    }

    @Override
    public List<SiteCharge> chargeReleases(List<ReleaseCharge> releases, Released how) {
        return releases.stream()
                .filter(c -> chargeRelease(c, how))
                .map(ReleaseCharge::charge)
                .toList();
    }

    @Override
    public Recorded recordRound(RoundRecord r) {
        if (recordingFails) {
            throw new IllegalStateException("the ledger is unavailable (test)");
        }
        recorded.add(r);
        return new Recorded(List.of(), List.of(), null);
    }
}
