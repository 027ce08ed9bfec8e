package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;

/**
 * The hospital's own privacy ceiling, checked before any training: the events this site has
 * already spent on the study plus the round's planned event must stay at or below the
 * ceiling at the study's δ. Pure: the caller supplies history and plan.
 */
final class SitePrivacyPolicy {
    private SitePrivacyPolicy() {}

    /** Why the round must be refused, or empty when it fits under the ceiling. */
    static Optional<String> refusal(
            List<PrivacyEvent> spent, PrivacyCharge planned, Double ceiling, double delta, AccountantKind accountant) {
        return over(
                spent,
                planned,
                ceiling,
                delta,
                accountant,
                ceiling == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "the site's ceiling of %.4f set by its admin (privacy.%s-epsilon-ceiling)",
                                ceiling,
                                planned == null ? "" : PrivacyWords.word(planned.unit())),
                "");
    }

    /**
     * Why the round must be refused because it would take this site past the study's own
     * budget. The coordinator checks this too, but it cannot know a site's first patient-level
     * cost (that depends on the site's row count), so the site checks it before every round.
     */
    static Optional<String> studyBudgetRefusal(
            List<PrivacyEvent> spent, PrivacyCharge planned, Double budget, double delta, AccountantKind accountant) {
        return over(
                spent,
                planned,
                budget,
                delta,
                accountant,
                budget == null ? "" : String.format(Locale.ROOT, "the study's budget of %.4f", budget),
                "");
    }

    /**
     * Why a patient-level round must be refused because it would take this site past its admin's
     * ceiling over all studies together: the patient-level events of every study this site ever
     * sent ({@code allSpent}) and the round's, composed with the RDP accountant at the ceiling's
     * own δ. That composition is valid across studies because every event is a DP-SGD run on the
     * same data file, so the same patients, under the same neighbouring relation (add or remove
     * one patient's row); RDP composes over any sequence of mechanisms on one dataset, each with
     * its own sampling rate and noise, chosen adaptively or not. RDP whatever each study's own
     * accountant: its ε is the larger, so the ceiling errs on the safe side. It caps what a patient
     * in several studies gives up here only if the site has one row per patient, and only for
     * patient-level studies: a study without patient-level DP is not under it.
     */
    static Optional<String> allStudiesRefusal(
            List<PrivacyEvent> allSpent, PrivacyCharge planned, Double ceiling, double delta) {
        if (planned == null || planned.unit() != Unit.PATIENT) {
            return Optional.empty();
        }
        return over(
                allSpent,
                planned,
                ceiling,
                delta,
                AccountantKind.RDP,
                ceiling == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "the site's ceiling over all studies of %.4f set by its admin"
                                        + " (privacy.patient-epsilon-ceiling-all-studies, at privacy.patient-delta-all-studies)",
                                ceiling),
                " over all studies");
    }

    /**
     * Why a patient-level round must be refused because its δ is not below 1/n for this site's
     * n training rows: at such a δ an (ε, δ)-DP mechanism may publish one patient's record
     * outright, so the guarantee says nothing about an individual. Sites with fewer rows than the
     * study owner had in mind are the ones this protects.
     */
    static Optional<String> deltaRefusal(double delta, int trainingRows) {
        if (trainingRows < 1 || delta < 1.0 / trainingRows) {
            return Optional.empty();
        }
        // Sent to the coordinator: n itself stays at the site (the caller logs it locally).
        return Optional.of(String.format(
                Locale.ROOT,
                "the study's δ = %s is not below 1/n for this site's n training rows: at that δ a mechanism may"
                        + " publish one patient's record outright; ask the study owner for δ well below 1/n (the"
                        + " site's log has n)",
                delta));
    }

    private static Optional<String> over(
            List<PrivacyEvent> spent,
            PrivacyCharge planned,
            Double limit,
            double delta,
            AccountantKind accountant,
            String limitName,
            String scope) {
        if (limit == null || planned == null) {
            return Optional.empty();
        }
        var events = new ArrayList<>(spent);
        events.add(planned.event());
        double after = PrivacyAccountant.create(accountant).composeAll(events).epsilon(delta);
        if (after > limit) {
            double before = spent.isEmpty()
                    ? 0
                    : PrivacyAccountant.create(accountant).composeAll(spent).epsilon(delta);
            return Optional.of(String.format(
                    Locale.ROOT,
                    "this round would take the site's %s ε%s from %.4f to %.4f (δ = %s, %s accountant), above %s",
                    planned.unit().label(),
                    scope,
                    before,
                    after,
                    delta,
                    PrivacyWords.word(accountant),
                    limitName));
        }
        return Optional.empty();
    }
}
