package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;

/**
 * The hospital's own privacy ceiling, checked before any training: the events this site has
 * already spent on the study plus the round's planned event must stay at or below the
 * ceiling at the study's δ. Pure: the caller supplies history and plan.
 */
final class SitePrivacyPolicy {
    private SitePrivacyPolicy() {}

    /** Why the round must be refused, or empty when it fits under the ceiling. */
    static Optional<String> refusal(List<PrivacyEvent> spent, PrivacyCharge planned, Double ceiling, double delta,
                                    AccountantKind accountant) {
        if (ceiling == null || planned == null) {
            return Optional.empty();
        }
        var events = new ArrayList<>(spent);
        events.add(planned.event());
        double after = PrivacyAccountant.create(accountant).composeAll(events).epsilon(delta);
        if (after > ceiling) {
            double before = spent.isEmpty() ? 0 : PrivacyAccountant.create(accountant).composeAll(spent).epsilon(delta);
            return Optional.of(String.format(java.util.Locale.ROOT,
                    "this round would take the site's %s-level ε from %.4f to %.4f (δ = %s, %s accountant), above the"
                            + " site's ceiling of %.4f set by its admin (privacy.%s-epsilon-ceiling)",
                    planned.unit(), before, after, delta, accountant.name().toLowerCase(), ceiling, planned.unit()));
        }
        return Optional.empty();
    }
}
