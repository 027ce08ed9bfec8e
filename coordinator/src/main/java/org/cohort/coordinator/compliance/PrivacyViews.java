package org.cohort.coordinator.compliance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cohort.coordinator.audit.VerificationResult;
import org.cohort.coordinator.ledger.Accounting;
import org.cohort.coordinator.ledger.BudgetCheck;
import org.cohort.coordinator.study.PrivacyWordsJson;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.PrivacyMode;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * What compliance sees, as JSON: every ε travels with its unit, δ, accountant, conversion and
 * the exact events it was computed from, and with the same number worded for people.
 */
public final class PrivacyViews {

    private PrivacyViews() {}

    /**
     * One privacy event with its exact parameters.
     *
     * @param type         "sampled_gaussian" (Poisson-sampled Gaussian mechanism) or "gaussian"
     * @param samplingRate q: each record's (patient's or site's) chance of taking part in a step; 1 for "gaussian"
     * @param noiseMultiplier σ: noise standard deviation divided by the clipping norm
     * @param steps        compositions (DP-SGD steps, or releases)
     */
    public record EventView(String type, double samplingRate, double noiseMultiplier, long steps, String description) {
        public static EventView of(PrivacyEvent e) {
            return switch (e) {
                case PrivacyEvent.SampledGaussian g ->
                    new EventView("sampled_gaussian", g.samplingRate(), g.noiseMultiplier(), g.steps(), g.describe());
                case PrivacyEvent.Gaussian g ->
                    new EventView("gaussian", 1.0, g.noiseMultiplier(), g.count(), g.describe());
            };
        }
    }

    /**
     * An ε as a statement: the number, whom it protects, at which δ, by which method, from which inputs.
     *
     * @param unit         "patient" or "site"; null for a unit-free computation (one mechanism, nobody in particular)
     * @param accountingParameters accountant settings the value depends on (RDP orders and the optimal one, PLD grid)
     * @param statement    the whole thing in one line
     */
    public record EpsilonView(
            double epsilon,
            String epsilonText,
            String unit,
            String unitLabel,
            double delta,
            String deltaText,
            String accountant,
            String conversion,
            String method,
            String accountingParameters,
            List<EventView> inputs,
            String statement) {

        public static EpsilonView of(PrivacyReport r) {
            Accounting a = new Accounting(r.accountant(), r.conversion());
            return new EpsilonView(
                    r.epsilon(),
                    PrivacyNumbers.epsilon(r.epsilon()),
                    unitName(r.unit()),
                    r.unit().label(),
                    r.delta(),
                    PrivacyNumbers.delta(r.delta()),
                    a.accountantName(),
                    a.conversionName(),
                    a.label(),
                    r.parameters().explain(),
                    r.inputs().stream().map(EventView::of).toList(),
                    r.describe());
        }
    }

    /** Rounds left at a site's current parameters. */
    public record RoundsLeftView(long rounds, boolean atLeast, String text, String method) {
        public static RoundsLeftView of(BudgetCheck.RoundsLeft r) {
            return new RoundsLeftView(
                    r.rounds(), r.atLeast(), (r.atLeast() ? "at least " : "") + r.rounds(), r.method());
        }
    }

    /** A budget: ε for one unit at δ, judged with one accountant. */
    public record BudgetRef(
            double epsilon,
            String epsilonText,
            String unit,
            double delta,
            String deltaText,
            String accountant,
            String conversion) {}

    /**
     * One ledger charge — one release: an attempt of a round whose update the coordinator could
     * read — and the site's ε after it.
     *
     * @param attempt       the attempt within the round (0, with roundId and payloadSha256 empty,
     *                      for a charge from before charges were per release)
     * @param payloadSha256 the released update's digest, as the site signed it
     */
    public record ChargeView(
            int roundNumber,
            EventView event,
            double epsilonAfter,
            String epsilonAfterText,
            Instant chargedAt,
            int attempt,
            String roundId,
            String payloadSha256) {}

    /**
     * One site's spending for one unit.
     *
     * @param budget           null when the study declares no budget for this unit
     * @param remainingEpsilon budget minus spent (≥ 0); ε does not add up linearly, see roundsLeft
     * @param historyJson      the site's event history as canonical JSON: save it to a file and run
     *                         {@code cohort privacy epsilon --history FILE} to recompute {@code spent}
     * @param recompute        a command line that recomputes {@code spent} from these inputs
     * @param statement        the guarantee in plain language
     */
    public record SiteView(
            String siteId,
            String siteName,
            String unit,
            int roundsCharged,
            EpsilonView spent,
            BudgetRef budget,
            Double remainingEpsilon,
            RoundsLeftView roundsLeft,
            EventView perRoundEvent,
            boolean exhausted,
            List<ChargeView> charges,
            String historyJson,
            String recompute,
            String statement) {}

    /**
     * A study's privacy: its settings and every charged site.
     *
     * @param mode none, patient or site (its word in JSON)
     */
    public record StudyPrivacy(
            String studyId,
            String studyName,

            @JsonSerialize(using = PrivacyWordsJson.ModeWriter.class)
            PrivacyMode mode,

            String unit,
            Double delta,
            String deltaText,
            Double epsilonBudget,
            String accountant,
            String conversion,
            String method,
            List<SiteView> sites,
            String statement) {}

    /** The audit chain's state, as a report shows it. */
    public record AuditStatus(
            boolean valid,
            long entriesChecked,
            long headSeq,
            String headHash,
            String signer,
            Instant checkedAt,
            String summary,
            VerificationResult.Problem firstProblem,
            long entriesAboutStudy) {
        public static AuditStatus of(VerificationResult v, long entriesAboutStudy) {
            return new AuditStatus(
                    v.valid(),
                    v.entriesChecked(),
                    v.headSeq(),
                    v.headHash(),
                    v.signer(),
                    v.checkedAt(),
                    v.summary(),
                    v.firstProblem(),
                    entriesAboutStudy);
        }
    }

    /** An audit entry as a report lists it. */
    public record AuditLine(long seq, Instant at, String kind, String actor, String summary, String hash) {}

    /**
     * The exportable report: the study's privacy, plain-language statements, the audit chain and
     * the study's entries in it, and how to recompute every number.
     */
    public record PrivacyReportDocument(
            String title,
            Instant generatedAt,
            StudyPrivacy privacy,
            List<String> statements,
            ProtectionScope scope,
            AuditStatus audit,
            List<AuditLine> auditEntries,
            List<String> howToRecompute) {}

    static String unitName(Unit unit) {
        return unit == null ? null : unit.name().toLowerCase(Locale.ROOT);
    }

    /** An event as audit details (JSON values). */
    static Map<String, Object> eventDetails(PrivacyEvent e) {
        EventView v = EventView.of(e);
        var m = new LinkedHashMap<String, Object>();
        m.put("type", v.type());
        m.put("samplingRate", v.samplingRate());
        m.put("noiseMultiplier", v.noiseMultiplier());
        m.put("steps", v.steps());
        return m;
    }

    /** JSON has no ∞: such values are written as the string "Infinity". */
    static Object jsonNumber(double x) {
        return Double.isFinite(x) ? (Object) x : Double.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
    }

    /**
     * Releases grouped by identical events, e.g. "rounds 1-10: sampled Gaussian q=0.1, σ=1.1, 20
     * steps each", or "3 releases in rounds 1-2: ..." when a round was charged for more than one
     * attempt.
     */
    static String describeRounds(List<ChargeView> charges) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < charges.size()) {
            int j = i;
            while (j + 1 < charges.size()
                    && charges.get(j + 1).event().equals(charges.get(i).event())) {
                j++;
            }
            int first = charges.get(i).roundNumber();
            int last = charges.get(j).roundNumber();
            long distinct = charges.subList(i, j + 1).stream()
                    .mapToInt(ChargeView::roundNumber)
                    .distinct()
                    .count();
            String span = first == last ? "round " + first : "rounds " + first + "-" + last;
            String rounds = i == j
                    ? "round " + first
                    : distinct < j - i + 1
                            ? (j - i + 1) + " releases in " + span
                            : last - first == j - i
                                    ? "rounds " + first + "-" + last
                                    : (j - i + 1) + " rounds between " + first + " and " + last;
            parts.add(rounds + ": " + charges.get(i).event().description() + (i == j ? "" : " each"));
            i = j + 1;
        }
        return parts.isEmpty() ? "no rounds" : String.join("; ", parts);
    }
}
