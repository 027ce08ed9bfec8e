package org.cohort.coordinator.compliance;

import java.util.List;
import org.cohort.coordinator.compliance.PrivacyViews.ChargeView;
import org.cohort.coordinator.compliance.PrivacyViews.EpsilonView;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyUnit;

/**
 * Privacy guarantees in plain language. Each sentence names whom ε protects, the δ, what the
 * number means (a bound on how much any outcome's probability can change), the method and the
 * rounds it covers, so a reader need not look anything up to understand or check it.
 */
final class Statements {

    private Statements() {}

    /** e.g. "For any single patient at Cleveland, anything an observer learns ... bounded by ε = 0.842 at δ = 1e-5 ...". */
    static String site(String siteName, EpsilonView spent, List<ChargeView> charges) {
        boolean patient = PrivacyWords.unit(spent.unit()) == PrivacyUnit.PRIVACY_UNIT_PATIENT;
        String who = patient ? "any single patient at " + siteName : "any single hospital such as " + siteName;
        String about = patient ? "that patient's records were used" : "that hospital's data was used at all";
        String training = patient ? "DP-SGD at " + siteName : "DP-FedAvg";
        long rounds =
                charges.stream().mapToInt(ChargeView::roundNumber).distinct().count();
        // A retried round trained again with fresh noise: each attempt released is counted.
        String releases = charges.size() == rounds ? "" : charges.size() + " releases in ";
        return "For " + who + ", anything an observer learns from the released models is bounded by ε = "
                + spent.epsilonText() + " at δ = " + spent.deltaText() + ": whether or not " + about
                + " changes the probability of any outcome by at most a factor of e^ε ≈ "
                + PrivacyNumbers.factor(spent.epsilon()) + ", except with probability at most " + spent.deltaText()
                + ". This is a " + spent.unitLabel() + " guarantee computed with the " + spent.method() + " over "
                + releases + rounds + (rounds == 1 ? " round" : " rounds") + " of " + training + " ("
                + PrivacyViews.describeRounds(charges) + ").";
    }

    /** The study-wide sentence: what is promised, and what has been spent at most. */
    static String study(PrivacyViews.StudyPrivacy p) {
        if (!PrivacyWords.isPrivate(p.mode())) {
            return "Study " + p.studyName() + " (" + p.studyId() + ") uses no differential privacy: no ε bound is"
                    + " claimed for its released models.";
        }
        boolean patient = p.mode() == PrivacyMode.PRIVACY_MODE_PATIENT;
        String promise = "Study " + p.studyName() + " (" + p.studyId() + ") promises "
                + (patient ? "every patient at every site" : "every participating hospital") + " ε ≤ "
                + PrivacyNumbers.epsilon(p.epsilonBudget()) + " at δ = " + p.deltaText() + " ("
                + (patient ? "patient-level: DP-SGD at each site" : "site-level: DP-FedAvg") + ", " + p.method()
                + "); a round that would take any selected site past it is refused before it runs.";
        var declared = p.sites().stream().filter(s -> s.budget() != null).toList();
        if (declared.isEmpty()) {
            return promise + " No round has been charged yet.";
        }
        var worst = declared.stream()
                .max((a, b) -> Double.compare(a.spent().epsilon(), b.spent().epsilon()))
                .orElseThrow();
        var over = declared.stream()
                .filter(s -> s.spent().epsilon() > s.budget().epsilon())
                .map(s -> s.siteName() + " (ε = " + s.spent().epsilonText() + ")")
                .toList();
        return promise + " The most spent so far is ε = " + worst.spent().epsilonText() + " at " + worst.siteName()
                + " over " + worst.roundsCharged() + (worst.roundsCharged() == 1 ? " round" : " rounds") + "."
                + (over.isEmpty()
                        ? ""
                        : " OVER BUDGET: " + String.join(", ", over) + " spent more than the budget;"
                                + " the rounds that crossed it should not have run - investigate (see the audit entries below).");
    }
}
