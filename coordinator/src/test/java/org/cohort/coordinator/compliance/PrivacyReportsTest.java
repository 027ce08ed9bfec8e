package org.cohort.coordinator.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.coordinator.compliance.PrivacyViews.SiteView;
import org.cohort.coordinator.ledger.Accounting;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.coordinator.study.UnknownStudyException;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrivacyReportsTest {
    private static final PrivacyEvent CLEVELAND = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);
    private static final PrivacyEvent HUNGARY = new PrivacyEvent.SampledGaussian(0.12, 1.1, 17);

    private final ComplianceFixture f = new ComplianceFixture();

    @BeforeEach
    void setUp() {
        TestDatabase.study(f.ds, "st-1", "heart", TestDatabase.privacy("patient", 12.0, 1e-5, "rdp"));
        TestDatabase.site(f.ds, "s-cle", "Cleveland");
        TestDatabase.site(f.ds, "s-hun", "Hungary");
        for (int r = 1; r <= 3; r++) {
            f.round("st-1", r, Unit.PATIENT, CLEVELAND, "s-cle");
            f.round("st-1", r, Unit.PATIENT, HUNGARY, "s-hun");
        }
    }

    @Test
    void reportStatesUnitDeltaAccountantAndInputs() {
        var report = f.reports.report("st-1");
        SiteView cleveland = report.privacy().sites().getFirst();

        assertThat(cleveland.siteName()).isEqualTo("Cleveland");
        assertThat(cleveland.unit()).isEqualTo("patient");
        var spent = cleveland.spent();
        assertThat(spent.unit()).isEqualTo("patient");
        assertThat(spent.unitLabel()).isEqualTo("patient-level");
        assertThat(spent.delta()).isEqualTo(1e-5);
        assertThat(spent.accountant()).isEqualTo("rdp");
        assertThat(spent.conversion()).isEqualTo("improved");
        assertThat(spent.inputs()).hasSize(3).allSatisfy(e -> {
            assertThat(e.samplingRate()).isEqualTo(0.1);
            assertThat(e.noiseMultiplier()).isEqualTo(1.1);
            assertThat(e.steps()).isEqualTo(20);
        });
        assertThat(spent.epsilon())
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .composeAll(java.util.List.of(CLEVELAND, CLEVELAND, CLEVELAND))
                        .epsilon(1e-5));
        assertThat(cleveland.budget().unit()).isEqualTo("patient");
        assertThat(cleveland.budget().deltaText()).isEqualTo("1e-5");
        assertThat(cleveland.charges())
                .extracting(PrivacyViews.ChargeView::roundNumber)
                .containsExactly(1, 2, 3);
        assertThat(cleveland.charges().getLast().epsilonAfter()).isEqualTo(spent.epsilon());
        assertThat(cleveland.recompute())
                .isEqualTo(
                        "cohort privacy epsilon --q 0.1 --sigma 1.1 --steps 20 --rounds 3 --delta 1e-5 --accountant rdp");
        // The stored inputs recompute the same number.
        var history = EventHistory.parseCanonicalJson(cleveland.historyJson());
        assertThat(Accounting.RDP.report(history.events(), 1e-5, history.unit()).epsilon())
                .isEqualTo(spent.epsilon());

        assertThat(report.statements().get(1))
                .startsWith("For any single patient at Cleveland, anything an observer"
                        + " learns from the released models is bounded by ε = " + spent.epsilonText() + " at δ = 1e-5")
                .contains(
                        "patient-level guarantee",
                        "RDP accountant with improved conversion",
                        "3 rounds of DP-SGD",
                        "rounds 1-3: sampled Gaussian q=0.1, σ=1.1, 20 steps each");
        assertThat(report.statements().getFirst())
                .contains("promises every patient at every site ε ≤ 12.000 at δ = 1e-5");
        assertThat(report.howToRecompute()).anySatisfy(s -> assertThat(s).contains("--history FILE"));
    }

    @Test
    void studyPrivacyShowsBudgetRemainingAndRoundsLeftPerSite() {
        var p = f.reports.studyPrivacy("st-1");

        assertThat(p.mode()).isEqualTo(PrivacyMode.PRIVACY_MODE_PATIENT);
        assertThat(p.epsilonBudget()).isEqualTo(12.0);
        assertThat(p.sites()).extracting(SiteView::siteId).containsExactly("s-cle", "s-hun");
        for (SiteView s : p.sites()) {
            assertThat(s.remainingEpsilon()).isEqualTo(12.0 - s.spent().epsilon());
            assertThat(s.roundsLeft().rounds()).isPositive();
            assertThat(s.roundsLeft().method()).contains("RDP accountant with improved conversion");
            assertThat(s.exhausted()).isFalse();
        }
        assertThat(p.sites().get(1).perRoundEvent().samplingRate()).isEqualTo(0.12);
    }

    @Test
    void reportIncludesTheAuditChainAndTheStudysEntries() {
        var report = f.reports.report("st-1");

        assertThat(report.audit().valid()).isTrue();
        assertThat(report.audit().entriesAboutStudy()).isEqualTo(12); // 6 rounds × (charge + completion)
        assertThat(report.auditEntries())
                .extracting(PrivacyViews.AuditLine::kind)
                .contains("LEDGER_CHARGE", "ROUND_COMPLETED");
        assertThat(report.auditEntries().getFirst().summary()).contains("round 1, site s-cle (patient)", "q=0.1");
    }

    @Test
    void reportShowsABrokenAuditChainAndTheFirstBadEntry() {
        f.jdbc.sql("UPDATE audit_entries SET details = REPLACE(details, '\"s-hun\"', '\"s-va\"') WHERE seq = 3")
                .update();

        var audit = f.reports.report("st-1").audit();

        assertThat(audit.valid()).isFalse();
        assertThat(audit.firstProblem().seq()).isEqualTo(3);
        assertThat(audit.summary()).contains("broken at entry #3 (LEDGER_CHARGE)");
    }

    @Test
    void pldStudyIsReportedWithPldThroughout() {
        TestDatabase.study(f.ds, "st-3", "pld", TestDatabase.privacy("patient", 6.0, 1e-5, "pld"));
        var e = new PrivacyEvent.SampledGaussian(0.01, 0.7, 120);
        f.round("st-3", 1, Unit.PATIENT, e, "s-cle");
        f.round("st-3", 2, Unit.PATIENT, e, "s-cle");

        SiteView s = f.reports.studyPrivacy("st-3").sites().getFirst();

        double expected = org.cohort.privacy.accounting.PldAccountant.create()
                .compose(e)
                .compose(e)
                .epsilon(1e-5);
        assertThat(s.spent().epsilon()).isEqualTo(expected);
        assertThat(s.spent().method()).isEqualTo("PLD accountant (hockey-stick divergence)");
        assertThat(s.charges().getFirst().epsilonAfter())
                .isCloseTo(2.4612381, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(s.roundsLeft().method()).contains("PLD accountant");
        assertThat(s.recompute()).endsWith("--accountant pld");
        // Asked again (cached): the same numbers.
        assertThat(f.reports.studyPrivacy("st-3").sites().getFirst()).isEqualTo(s);
    }

    @Test
    void studyWithoutPrivacyClaimsNothing() {
        TestDatabase.study(f.ds, "st-2", "plain", null);
        var p = f.reports.studyPrivacy("st-2");
        assertThat(p.mode()).isEqualTo(PrivacyMode.PRIVACY_MODE_NONE);
        assertThat(p.sites()).isEmpty();
        assertThat(p.statement()).contains("uses no differential privacy: no ε bound is claimed");
    }

    @Test
    void unknownStudyIsNotFound() {
        assertThatThrownBy(() -> f.reports.report("st-404")).isInstanceOf(UnknownStudyException.class);
    }
}
