package org.cohort.agent;

import java.util.Optional;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The privacy decisions this site takes about one task, beside the rules of {@link SitePrivacyPolicy}:
 * which numbers it plans with (its declared size, its own calibrated noise), whether the task
 * would pass a budget or ceiling, and what the study's ε is once it ran. The agent asks; this
 * decides from the admin's configuration and the site's own ledger, never from the coordinator's.
 */
final class SiteRoundPrivacy {
    private static final Logger log = LoggerFactory.getLogger(SiteRoundPrivacy.class);

    private final AgentConfig config;
    private final SiteLedger ledger;
    private final LocalLearner learner;

    SiteRoundPrivacy(AgentConfig config, SiteLedger ledger, LocalLearner learner) {
        this.config = config;
        this.ledger = ledger;
        this.learner = learner;
    }

    /** The task as this site plans and trains it: its declared size written in, then its own noise. */
    RoundTask prepared(RoundTask task, long declaredExamples) {
        return withSiteNoise(oneEvaluation(withDeclaredSize(task, declaredExamples)));
    }

    /**
     * A study gets one noised evaluation from this site: a second evaluation task (a retried round, a
     * task sent again after a restart, or a coordinator asking for more) releases nothing, so noise
     * cannot be averaged away over repeats and the calibrated training budget stays reserved once.
     */
    private RoundTask oneEvaluation(RoundTask task) {
        if (!HeldOutRelease.releases(task) || !ledger.releasedEvaluation(task.getStudyId())) {
            return task;
        }
        log.info(
                "round {} of study {}: this site already released the study's evaluation; it withholds this one",
                task.getRoundNumber(),
                task.getStudyId());
        return task.toBuilder()
                .setPrivacy(task.getPrivacy().toBuilder().setEvaluationNoiseMultiplier(0))
                .build();
    }

    /**
     * The task as this site plans and trains it: with the training size its admin declared for the
     * study, from which patient-level DP takes q and the steps, whatever the coordinator put there.
     */
    private static RoundTask withDeclaredSize(RoundTask task, long declared) {
        if (!task.hasPrivacy()) {
            return task;
        }
        return task.toBuilder()
                .setPrivacy(task.getPrivacy().toBuilder().setDeclaredTrainingExamples(declared))
                .build();
    }

    /**
     * When the study lets sites calibrate their noise, fixes this round's σ from the site's own
     * ledger: the smallest σ (never below the study's) with which the rounds left end within the
     * study's budget and the admin's ceiling, after everything this site has already sent —
     * retried rounds included, so they cost noise, not a refused last round. The task then
     * carries that σ, so the planned charge and the training agree.
     */
    private RoundTask withSiteNoise(RoundTask task) {
        var dp = task.getPrivacy();
        if (task.getKind() != TaskKind.TRAIN
                || !dp.getCalibrateAtSite()
                || dp.getMode() != org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT) {
            return task;
        }
        int rows = learner.trainingRows(task);
        if (rows < 1 || !(dp.getEpsilonBudget() > 0)) {
            return task; // the learner calibrates from the task alone
        }
        double limit = config.patientEpsilonCeiling() == null
                ? dp.getEpsilonBudget()
                : Math.min(dp.getEpsilonBudget(), config.patientEpsilonCeiling());
        int remaining = Math.max(1, dp.getStudyRounds() - task.getRoundNumber() + 1);
        var plan = Dl4jLearner.trainingPlan(task);
        double sigma;
        try {
            sigma = Math.max(
                    dp.getNoiseMultiplier(),
                    PatientLevelTraining.calibratedSigma(
                            dp, plan, rows, ledger.spent(task.getStudyId(), Unit.PATIENT), limit, remaining));
        } catch (IllegalArgumentException e) {
            return task; // nothing fits: the budget checks below refuse the round with the numbers
        }
        log.info(
                "round {} of study {}: noise multiplier {} calibrated for this site's {} declared training rows,"
                        + " {} round(s) left, ε ≤ {}",
                task.getRoundNumber(),
                task.getStudyId(),
                String.format(java.util.Locale.ROOT, "%.4f", sigma),
                dp.getDeclaredTrainingExamples(),
                remaining,
                limit);
        return task.toBuilder()
                .setPrivacy(dp.toBuilder().setNoiseMultiplier(sigma).setCalibrateAtSite(false))
                .build();
    }

    /**
     * Why this site must not run {@code task}, which would cost {@code planned}: δ not below 1/n,
     * the study's ε at the admin's ceiling, every study's at the ceiling over all studies, or the
     * study's own budget; empty when it may run (or costs nothing).
     */
    Optional<String> refusal(RoundTask task, PrivacyCharge planned) {
        if (planned == null) {
            return Optional.empty();
        }
        if (planned.unit() == Unit.PATIENT) {
            // δ against the declared size: a refusal must not tell the coordinator whether the real count passed 1/δ.
            long declared = task.getPrivacy().getDeclaredTrainingExamples();
            int rows = declared > 0 ? (int) Math.min(declared, Integer.MAX_VALUE) : learner.trainingRows(task);
            var tooLarge = SitePrivacyPolicy.deltaRefusal(task.getPrivacy().getDelta(), rows);
            if (tooLarge.isPresent()) {
                log.warn(
                        "study {}: δ = {} is not below 1/n = 1/{} for this site's training rows; ask for δ ≤ {}",
                        task.getStudyId(),
                        task.getPrivacy().getDelta(),
                        rows,
                        0.1 / rows);
                return tooLarge;
            }
        }
        Double ceiling = planned.unit() == Unit.PATIENT ? config.patientEpsilonCeiling() : config.siteEpsilonCeiling();
        var spent = ledger.spent(task.getStudyId(), planned.unit());
        var refusal = SitePrivacyPolicy.refusal(
                spent, planned, ceiling, task.getPrivacy().getDelta(), accountant(task));
        if (refusal.isPresent()) {
            return refusal;
        }
        var allStudies = SitePrivacyPolicy.allStudiesRefusal(
                ledger.spentOnAllStudies(Unit.PATIENT),
                planned,
                config.patientEpsilonCeilingAllStudies(),
                config.allStudiesDelta());
        if (allStudies.isPresent()) {
            return allStudies;
        }
        double budget = task.getPrivacy().getEpsilonBudget();
        return SitePrivacyPolicy.studyBudgetRefusal(
                spent, planned, budget > 0 ? budget : null, task.getPrivacy().getDelta(), accountant(task));
    }

    /** The study's ε at this site once {@code charge} is spent (null when it costs nothing). */
    Double epsilonAfter(RoundTask task, PrivacyCharge charge) {
        if (charge == null) {
            return null;
        }
        var events = new java.util.ArrayList<>(ledger.spent(task.getStudyId(), charge.unit()));
        events.add(charge.event());
        return PrivacyAccountant.create(accountant(task))
                .composeAll(events)
                .epsilon(task.getPrivacy().getDelta());
    }

    static AccountantKind accountant(RoundTask task) {
        return org.cohort.protocol.PrivacyWords.kind(task.getPrivacy().getAccountant());
    }
}
