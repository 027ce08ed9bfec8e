package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.protocol.v1.PrivacyPlan;
import org.junit.jupiter.api.Test;

/** A site's DP-SGD plan: the study's σ, or its own calibrated to its data when the study allows. */
class PatientLevelTrainingTest {
    private static final TrainingPlan PLAN = new TrainingPlan(5, 32, Optimizer.ADAM, 0.01, 7);
    private static final int ROUNDS = 10;
    private static final double BUDGET = 1.0;
    private static final double DELTA = 1e-5;

    private static PrivacyPlan study(double floor, boolean calibrate) {
        return PrivacyPlan.newBuilder()
                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
                .setClipNorm(1.0)
                .setNoiseMultiplier(floor)
                .setExpectedBatchSize(32)
                .setDelta(DELTA)
                .setEpsilonBudget(BUDGET)
                .setAccountant(org.cohort.protocol.v1.Accountant.ACCOUNTANT_RDP)
                .setCalibrateAtSite(calibrate)
                .setStudyRounds(ROUNDS)
                .build();
    }

    /** ε after the whole study, charged as the site's ledger charges it (planned charge, RDP). */
    private static double studyEpsilon(DpSgdPlan plan) {
        PrivacyCharge perRound = PatientLevelTraining.planned(plan, Integer.MAX_VALUE);
        return PrivacyAccountant.create(AccountantKind.RDP)
                .compose(new PrivacyEvent.SampledGaussian(
                        perRound.samplingRate(), perRound.noiseMultiplier(), perRound.steps() * ROUNDS))
                .epsilon(DELTA);
    }

    @Test
    void eachSiteCalibratesToEndTheStudyJustWithinTheBudget() {
        DpSgdPlan small = PatientLevelTraining.plan(study(0.5, true), PLAN, 90);
        DpSgdPlan large = PatientLevelTraining.plan(study(0.5, true), PLAN, 2000);
        // The small site samples a larger fraction per step: it needs more noise for the same ε.
        assertThat(small.noiseMultiplier()).isGreaterThan(2 * large.noiseMultiplier());
        for (DpSgdPlan p : new DpSgdPlan[] {small, large}) {
            assertThat(studyEpsilon(p)).isLessThanOrEqualTo(BUDGET).isGreaterThan(0.99 * BUDGET);
        }
        // Deterministic: the charge planned before training and the training use the same σ.
        assertThat(PatientLevelTraining.plan(study(0.5, true), PLAN, 90)).isEqualTo(small);
    }

    @Test
    void theChargeDependsOnTheDeclaredSizeNeverOnTheRowsTheSiteReallyHas() {
        var declared =
                study(0.5, true).toBuilder().setDeclaredTrainingExamples(225).build();
        DpSgdPlan reference = PatientLevelTraining.plan(declared, PLAN, 225);
        // One patient more or less at the site: q, the steps, σ and the divisor must not move.
        for (int real : new int[] {224, 226, 90, 2000}) {
            DpSgdPlan p = PatientLevelTraining.plan(declared, PLAN, real);
            assertThat(p).isEqualTo(reference);
            assertThat(PatientLevelTraining.planned(p, Integer.MAX_VALUE))
                    .isEqualTo(PatientLevelTraining.planned(reference, Integer.MAX_VALUE));
            assertThat(p.divisor(real)).isEqualTo(32.0, org.assertj.core.api.Assertions.within(1e-12));
        }
        assertThat(reference.samplingRate()).isEqualTo(32.0 / 225);
    }

    @Test
    void calibrationReservesTheFinalEvaluationInTheSameBudget() {
        var withEvaluation =
                study(0.5, true).toBuilder().setEvaluationNoiseMultiplier(6).build();
        DpSgdPlan training = PatientLevelTraining.plan(withEvaluation, PLAN, 300);
        assertThat(training.noiseMultiplier())
                .isGreaterThan(
                        PatientLevelTraining.plan(study(0.5, true), PLAN, 300).noiseMultiplier());
        PrivacyCharge perRound = PatientLevelTraining.planned(training, Integer.MAX_VALUE);
        double total = PrivacyAccountant.create(AccountantKind.RDP)
                .composeAll(java.util.List.of(
                        new PrivacyEvent.SampledGaussian(
                                perRound.samplingRate(), perRound.noiseMultiplier(), perRound.steps() * ROUNDS),
                        HeldOutRelease.charge(6).event()))
                .epsilon(DELTA);
        assertThat(total).isLessThanOrEqualTo(BUDGET).isGreaterThan(0.99 * BUDGET);
    }

    @Test
    void aRetriedRoundCostsNoiseInTheRoundsLeftNotARefusal() {
        DpSgdPlan fresh = PatientLevelTraining.plan(study(0.5, true), PLAN, 227);
        PrivacyCharge perRound = PatientLevelTraining.planned(fresh, Integer.MAX_VALUE);
        // Round 3 of 10: rounds 1 and 2 were sent, and round 2 was sent twice (an abandoned attempt).
        var spent = java.util.List.<PrivacyEvent>of(perRound.event(), perRound.event(), perRound.event());
        double sigma = PatientLevelTraining.calibratedSigma(study(0.5, true), PLAN, 227, spent, BUDGET, ROUNDS - 2);
        assertThat(sigma).isGreaterThan(fresh.noiseMultiplier());

        var rest = DpSgdPlan.ofEpochs(sigma, 1.0, 32, 227, PLAN.localEpochs());
        PrivacyCharge later = PatientLevelTraining.planned(rest, Integer.MAX_VALUE);
        var accountant = PrivacyAccountant.create(AccountantKind.RDP);
        for (PrivacyEvent e : spent) {
            accountant = accountant.compose(e);
        }
        accountant = accountant.compose(new PrivacyEvent.SampledGaussian(
                later.samplingRate(), later.noiseMultiplier(), later.steps() * (ROUNDS - 2)));
        assertThat(accountant.epsilon(DELTA)).isLessThanOrEqualTo(BUDGET).isGreaterThan(0.99 * BUDGET);
    }

    @Test
    void neverGoesBelowTheStudysNoiseMultiplier() {
        DpSgdPlan large = PatientLevelTraining.plan(study(0.5, true), PLAN, 2000);
        double floor = large.noiseMultiplier() * 1.5;
        assertThat(PatientLevelTraining.plan(study(floor, true), PLAN, 2000).noiseMultiplier())
                .isEqualTo(floor);
        assertThat(PatientLevelTraining.plan(study(floor, false), PLAN, 90).noiseMultiplier())
                .isEqualTo(floor);
    }

    @Test
    void refusesToCalibrateWithoutABudget() {
        var noBudget = study(0.5, true).toBuilder().setEpsilonBudget(0).build();
        assertThatThrownBy(() -> PatientLevelTraining.plan(noBudget, PLAN, 90))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no ε budget");
    }
}
