package org.cohort.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.simple.JdbcClient;

class PrivacyLedgerTest {
    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
    private static final PrivacyEvent ROUND = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);

    private DataSource ds;
    private PrivacyLedger ledger;

    @BeforeEach
    void setUp() {
        ds = TestDatabase.inMemory();
        TestDatabase.study(ds, "st-1", "heart", TestDatabase.privacy("patient", 5.0, 1e-5, "rdp"));
        ledger = new PrivacyLedger(JdbcClient.create(ds));
    }

    @Test
    void chargesEachRoundOnceEvenWhenRecordedTwice() {
        assertThat(ledger.charge(TestDatabase.release("st-1", 1, "cleveland"), Unit.PATIENT, ROUND, T))
                .isTrue();
        assertThat(ledger.charge(TestDatabase.release("st-1", 1, "cleveland"), Unit.PATIENT, ROUND, T.plusSeconds(5)))
                .isFalse();

        assertThat(ledger.history("st-1", "cleveland", Unit.PATIENT).events()).containsExactly(ROUND);
    }

    @Test
    void chargesOnceAcrossACoordinatorRestart(@TempDir Path dir) {
        DataSource before = TestDatabase.file(dir);
        TestDatabase.study(before, "st-9", "restart", TestDatabase.privacy("patient", 5.0, 1e-5, "rdp"));
        assertThat(new PrivacyLedger(JdbcClient.create(before))
                        .charge(TestDatabase.release("st-9", 3, "va"), Unit.PATIENT, ROUND, T))
                .isTrue();

        // A new process: new data source, new ledger, same database files; the round is resumed and recorded again.
        DataSource after = TestDatabase.file(dir);
        PrivacyLedger restarted = new PrivacyLedger(JdbcClient.create(after));
        assertThat(restarted.charge(TestDatabase.release("st-9", 3, "va"), Unit.PATIENT, ROUND, T.plusSeconds(60)))
                .isFalse();
        assertThat(restarted.history("st-9", "va", Unit.PATIENT).entries()).hasSize(1);
    }

    @Test
    void chargesOnceWhenReplicasRecordTheSameRoundConcurrently() throws Exception {
        var pool = Executors.newFixedThreadPool(4);
        var start = new CountDownLatch(1);
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            PrivacyLedger replica = new PrivacyLedger(JdbcClient.create(ds));
            tasks.add(() -> {
                start.await();
                return replica.charge(TestDatabase.release("st-1", 2, "hungary"), Unit.PATIENT, ROUND, T);
            });
        }
        var futures = tasks.stream().map(pool::submit).toList();
        start.countDown();
        long recorded = 0;
        for (var f : futures) {
            recorded += f.get() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(recorded).isEqualTo(1);
        assertThat(ledger.charges("st-1")).hasSize(1);
    }

    @Test
    void keepsTheFirstChargeWhenARetriedAttemptReportsOtherParameters() {
        ledger.charge(TestDatabase.release("st-1", 1, "cleveland"), Unit.PATIENT, ROUND, T);
        var other = new PrivacyEvent.SampledGaussian(0.2, 1.1, 20);

        assertThat(ledger.charge(TestDatabase.release("st-1", 1, "cleveland"), Unit.PATIENT, other, T))
                .isFalse();
        assertThat(ledger.find(TestDatabase.release("st-1", 1, "cleveland"), Unit.PATIENT)
                        .orElseThrow()
                        .event())
                .isEqualTo(ROUND);
    }

    @Test
    void storesEventsExactlySoEveryNumberCanBeRecomputed() {
        var awkward = new PrivacyEvent.SampledGaussian(150.0 / 60000, 1.0 / 3, 6000);
        var gaussian = new PrivacyEvent.Gaussian(0.7, 3);
        ledger.charge(TestDatabase.release("st-1", 2, "va"), Unit.SITE, gaussian, T);
        ledger.charge(TestDatabase.release("st-1", 1, "va"), Unit.SITE, awkward, T);

        EventHistory h = ledger.history("st-1", "va", Unit.SITE);

        assertThat(h.events()).containsExactly(awkward, gaussian); // round order, bit-exact doubles
        assertThat(h.entries().get(0).id())
                .isEqualTo("st-1/round-1/attempt-1/va/"
                        + TestDatabase.release("st-1", 1, "va").payloadSha256().substring(0, 12));
        assertThat(EventHistory.parseCanonicalJson(h.toCanonicalJson())).isEqualTo(h);
    }

    @Test
    void keepsSitesAndUnitsApart() {
        ledger.charge(TestDatabase.release("st-1", 1, "cleveland"), Unit.PATIENT, ROUND, T);
        ledger.charge(
                TestDatabase.release("st-1", 1, "cleveland"),
                Unit.SITE,
                new PrivacyEvent.SampledGaussian(1.0, 1.1, 1),
                T);
        ledger.charge(TestDatabase.release("st-1", 1, "hungary"), Unit.PATIENT, ROUND, T);

        assertThat(ledger.history("st-1", "cleveland", Unit.PATIENT).events()).containsExactly(ROUND);
        assertThat(ledger.sites("st-1", Unit.PATIENT)).containsExactly("cleveland", "hungary");
        assertThat(ledger.sites("st-1", Unit.SITE)).containsExactly("cleveland");
        assertThat(ledger.units("st-1")).containsExactly(Unit.PATIENT, Unit.SITE);
    }

    @Test
    void refusesAChargeForAStudyThatDoesNotExist() {
        assertThatThrownBy(() -> ledger.charge(TestDatabase.release("st-404", 1, "va"), Unit.PATIENT, ROUND, T))
                .isInstanceOf(DataIntegrityViolationException.class);
    }

    @Test
    void spentMatchesThePrivacyModuleComposingTheSameEvents() {
        var second = new PrivacyEvent.SampledGaussian(0.05, 1.3, 40);
        ledger.charge(TestDatabase.release("st-1", 1, "va"), Unit.PATIENT, ROUND, T);
        ledger.charge(TestDatabase.release("st-1", 2, "va"), Unit.PATIENT, second, T);

        var report = ledger.spent("st-1", "va", Unit.PATIENT, 1e-5, AccountantKind.RDP);
        var classic = ledger.spent("st-1", "va", Unit.PATIENT, 1e-5, Accounting.RDP_CLASSIC);

        var direct = RdpAccountant.withDefaultOrders().compose(ROUND).compose(second);
        assertThat(report.epsilon()).isEqualTo(direct.epsilon(1e-5));
        assertThat(report.unit()).isEqualTo(Unit.PATIENT);
        assertThat(report.delta()).isEqualTo(1e-5);
        assertThat(report.conversion()).isEqualTo(Conversion.RDP_IMPROVED);
        assertThat(report.inputs()).containsExactly(ROUND, second);
        assertThat(classic.epsilon())
                .isEqualTo(direct.epsilon(1e-5, Conversion.RDP_CLASSIC).value())
                .isGreaterThan(report.epsilon());
    }

    @Test
    void curveRisesRoundByRoundAndEndsAtWhatWasSpent() {
        for (int r = 1; r <= 4; r++) {
            ledger.charge(TestDatabase.release("st-1", r, "va"), Unit.PATIENT, ROUND, T);
        }
        var curve = ledger.curve("st-1", "va", Unit.PATIENT, 1e-5, Accounting.RDP);

        assertThat(curve).extracting(PrivacyLedger.RoundEpsilon::roundNumber).containsExactly(1, 2, 3, 4);
        for (int i = 1; i < curve.size(); i++) {
            assertThat(curve.get(i).epsilon()).isGreaterThan(curve.get(i - 1).epsilon());
        }
        assertThat(curve.get(3).epsilon())
                .isEqualTo(ledger.spent("st-1", "va", Unit.PATIENT, 1e-5, Accounting.RDP)
                        .epsilon());

        // A fifth round extends the cached curve; the numbers are those of composing from scratch.
        ledger.charge(TestDatabase.release("st-1", 5, "va"), Unit.PATIENT, ROUND, T);
        double fromScratch = RdpAccountant.withDefaultOrders()
                .composeAll(List.of(ROUND, ROUND, ROUND, ROUND, ROUND))
                .epsilon(1e-5);
        assertThat(ledger.curve("st-1", "va", Unit.PATIENT, 1e-5, Accounting.RDP)
                        .get(4)
                        .epsilon())
                .isEqualTo(fromScratch);
        assertThat(ledger.spent("st-1", "va", Unit.PATIENT, 1e-5, Accounting.RDP)
                        .epsilon())
                .isEqualTo(fromScratch);
    }

    @Test
    void budgetViewShowsSpentRemainingAndRoundsLeftPerSite() {
        for (int r = 1; r <= 3; r++) {
            ledger.charge(TestDatabase.release("st-1", r, "cleveland"), Unit.PATIENT, ROUND, T);
        }
        ledger.charge(TestDatabase.release("st-1", 1, "hungary"), Unit.PATIENT, ROUND, T);

        BudgetView view = ledger.budget("st-1", Unit.PATIENT, 12.0, 1e-5, Accounting.RDP);

        assertThat(view.sites()).extracting(BudgetView.SiteBudget::siteId).containsExactly("cleveland", "hungary");
        var cleveland = view.sites().get(0);
        assertThat(cleveland.roundsCharged()).isEqualTo(3);
        assertThat(cleveland.spent().epsilon()).isBetween(0.0, 12.0);
        assertThat(cleveland.remainingEpsilon())
                .isEqualTo(12.0 - cleveland.spent().epsilon());
        assertThat(cleveland.perRoundEvent()).isEqualTo(ROUND);
        long left = cleveland.roundsLeft().rounds();
        var composed = RdpAccountant.withDefaultOrders().composeAll(List.of(ROUND, ROUND, ROUND));
        assertThat(composed.compose(BudgetCheck.repeated(ROUND, left)).epsilon(1e-5))
                .isLessThanOrEqualTo(12.0);
        assertThat(composed.compose(BudgetCheck.repeated(ROUND, left + 1)).epsilon(1e-5))
                .isGreaterThan(12.0);
        // Hungary has spent less, so it has more rounds left.
        assertThat(view.sites().get(1).roundsLeft().rounds()).isGreaterThan(left);
    }

    @Test
    void studyWithoutPrivacyHasNoBudgetView() {
        assertThat(ledger.budget("st-1", org.cohort.coordinator.study.StudySpec.Privacy.NONE))
                .isEmpty();
        assertThat(ledger.budget("st-1", TestDatabase.privacy("patient", 5.0, 1e-5, "rdp")))
                .isPresent();
    }
}
