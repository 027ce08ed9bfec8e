package org.cohort.coordinator.compliance;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.compliance.PrivacyViews.AuditLine;
import org.cohort.coordinator.compliance.PrivacyViews.AuditStatus;
import org.cohort.coordinator.compliance.PrivacyViews.BudgetRef;
import org.cohort.coordinator.compliance.PrivacyViews.ChargeView;
import org.cohort.coordinator.compliance.PrivacyViews.EpsilonView;
import org.cohort.coordinator.compliance.PrivacyViews.EventView;
import org.cohort.coordinator.compliance.PrivacyViews.PrivacyReportDocument;
import org.cohort.coordinator.compliance.PrivacyViews.RoundsLeftView;
import org.cohort.coordinator.compliance.PrivacyViews.SiteView;
import org.cohort.coordinator.compliance.PrivacyViews.StudyPrivacy;
import org.cohort.coordinator.ledger.Accounting;
import org.cohort.coordinator.ledger.LedgerCharge;
import org.cohort.coordinator.ledger.PrivacyLedger;
import org.cohort.coordinator.site.Site;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.UnknownStudyException;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.PrivacyMode;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds what compliance sees from the ledger and the audit log: a study's budget per site and
 * unit, and the exportable report. Every number is recomputed from the ledger's events.
 */
@Component
public class PrivacyReports {
    /** δ for units a study charged but declares no budget for (cannot happen with validated specs). */
    private static final double FALLBACK_DELTA = 1e-5;

    private final StudyRepository studies;
    private final SiteRepository sites;
    private final PrivacyLedger ledger;
    private final AuditLog audit;
    private final JsonMapper json;
    private final Clock clock;
    private final ChainVerification verification;

    public PrivacyReports(
            StudyRepository studies,
            SiteRepository sites,
            PrivacyLedger ledger,
            AuditLog audit,
            JsonMapper json,
            Clock clock) {
        this.studies = studies;
        this.sites = sites;
        this.ledger = ledger;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.verification = new ChainVerification(audit, ledger, new RecordedCharges(audit, json));
    }

    /** Per site and unit: spent ε, budget, remaining, rounds left, δ, method and the exact inputs. */
    public StudyPrivacy studyPrivacy(String studyId) {
        Study study = studies.find(studyId).orElseThrow(() -> new UnknownStudyException(studyId));
        StudySpec.Privacy p = study.spec().privacy() == null
                ? StudySpec.Privacy.NONE
                : study.spec().privacy();
        Unit declared = p.unit();
        Accounting accounting = Accounting.forStudy(p);
        double delta = p.delta() != null ? p.delta() : FALLBACK_DELTA;
        var units = new LinkedHashSet<Unit>();
        if (declared != null) {
            units.add(declared);
        }
        units.addAll(ledger.units(studyId));
        List<SiteView> views = new ArrayList<>();
        for (Unit unit : units) {
            Double budget = unit == declared ? p.epsilonBudget() : null;
            for (String siteId : ledger.sites(studyId, unit)) {
                views.add(siteView(studyId, siteId, unit, budget, delta, accounting));
            }
        }
        var view = new StudyPrivacy(
                studyId,
                study.spec().name(),
                p.enabled() ? p.mode() : PrivacyMode.PRIVACY_MODE_NONE,
                PrivacyViews.unitName(declared),
                p.enabled() ? delta : null,
                p.enabled() ? PrivacyNumbers.delta(delta) : null,
                p.epsilonBudget(),
                accounting.accountantName(),
                accounting.conversionName(),
                accounting.label(),
                views,
                null);
        return new StudyPrivacy(
                view.studyId(),
                view.studyName(),
                view.mode(),
                view.unit(),
                view.delta(),
                view.deltaText(),
                view.epsilonBudget(),
                view.accountant(),
                view.conversion(),
                view.method(),
                view.sites(),
                Statements.study(view));
    }

    /** The report: the study's privacy, statements in plain language, the audit chain's state and entries. */
    public PrivacyReportDocument report(String studyId) {
        StudyPrivacy privacy = studyPrivacy(studyId);
        List<String> statements = new ArrayList<>();
        statements.add(privacy.statement());
        privacy.sites().forEach(s -> statements.add(s.statement()));
        List<AuditEntry> about = audit.mentioning("studyId", studyId);
        var status = AuditStatus.of(verification.verify(), about.size());
        List<AuditLine> lines = about.stream().map(this::line).toList();
        List<String> recompute = new ArrayList<>();
        for (SiteView s : privacy.sites()) {
            recompute.add(s.siteName() + " (" + s.unit() + "): " + s.recompute());
        }
        recompute.add("Any site, from its inputs: save the site's historyJson to a file and run cohort privacy epsilon"
                + " --history FILE --delta " + (privacy.deltaText() == null ? "D" : privacy.deltaText())
                + " --accountant " + privacy.accountant() + "; or with Google's dp_accounting, compose per round"
                + " SelfComposedDpEvent(PoissonSampledDpEvent(q, GaussianDpEvent(σ)), steps) in an RdpAccountant()"
                + " or PLDAccountant() and call get_epsilon(δ).");
        recompute.add("The audit chain: cohort audit verify (or GET /api/audit/verify); write down the head hash "
                + status.headHash() + " (entry #" + status.headSeq() + "): a later verification that reaches it"
                + " shows nothing up to it was rewritten.");
        Study study = studies.find(studyId).orElseThrow(() -> new UnknownStudyException(studyId));
        boolean secure = study.spec().secureAggregation() != null
                && study.spec().secureAggregation().on();
        Double worst = privacy.sites().stream()
                .map(s -> s.spent().epsilon())
                .max(Double::compare)
                .orElse(null);
        return new PrivacyReportDocument(
                "Privacy report: " + privacy.studyName() + " (" + studyId + ")",
                clock.instant(),
                privacy,
                statements,
                ProtectionScope.of(privacy.mode(), secure, worst),
                status,
                lines,
                recompute);
    }

    private SiteView siteView(
            String studyId, String siteId, Unit unit, Double budget, double delta, Accounting accounting) {
        String siteName = sites.find(siteId).map(Site::siteName).orElse(siteId);
        List<LedgerCharge> charges = ledger.charges(studyId, siteId, unit);
        List<PrivacyLedger.RoundEpsilon> curve = ledger.curve(studyId, siteId, unit, delta, accounting);
        List<ChargeView> chargeViews = new ArrayList<>();
        for (int i = 0; i < charges.size(); i++) {
            double eps = curve.get(i).epsilon();
            LedgerCharge c = charges.get(i);
            chargeViews.add(new ChargeView(
                    c.roundNumber(),
                    EventView.of(c.event()),
                    eps,
                    PrivacyNumbers.epsilon(eps),
                    c.chargedAt(),
                    c.attempt(),
                    c.roundId(),
                    c.payloadSha256()));
        }
        PrivacyReport spent = ledger.spent(studyId, siteId, unit, delta, accounting);
        EpsilonView spentView = EpsilonView.of(spent);
        PrivacyEvent perRound = charges.get(charges.size() - 1).event();
        BudgetRef budgetRef = null;
        Double remaining = null;
        RoundsLeftView left = null;
        boolean exhausted = false;
        if (budget != null) {
            budgetRef = new BudgetRef(
                    budget,
                    PrivacyNumbers.epsilon(budget),
                    PrivacyViews.unitName(unit),
                    delta,
                    PrivacyNumbers.delta(delta),
                    accounting.accountantName(),
                    accounting.conversionName());
            remaining = Math.max(0, budget - spent.epsilon());
            var r = ledger.roundsLeft(studyId, siteId, unit, budget, delta, accounting)
                    .orElseThrow();
            left = RoundsLeftView.of(r);
            exhausted = r.rounds() == 0 && !r.atLeast();
        }
        EventHistory history = ledger.history(studyId, siteId, unit);
        return new SiteView(
                siteId,
                siteName,
                PrivacyViews.unitName(unit),
                charges.size(),
                spentView,
                budgetRef,
                remaining,
                left,
                EventView.of(perRound),
                exhausted,
                chargeViews,
                history.toCanonicalJson(),
                recomputeCommand(charges, delta, accounting),
                Statements.site(siteName, spentView, chargeViews));
    }

    /** A CLI line that recomputes a site's ε: one event repeated, or the history file when rounds differ. */
    static String recomputeCommand(List<LedgerCharge> charges, double delta, Accounting accounting) {
        String tail = " --delta " + PrivacyNumbers.delta(delta) + " --accountant " + accounting.accountantName()
                + (accounting.equals(Accounting.RDP_CLASSIC) ? " --conversion classic" : "");
        PrivacyEvent first = charges.get(0).event();
        boolean uniform = charges.stream().allMatch(c -> c.event().equals(first));
        if (uniform && first instanceof PrivacyEvent.SampledGaussian g) {
            return "cohort privacy epsilon --q " + PrivacyNumbers.plain(g.samplingRate()) + " --sigma "
                    + PrivacyNumbers.plain(g.noiseMultiplier()) + " --steps " + g.steps() + " --rounds "
                    + charges.size()
                    + tail;
        }
        return "cohort privacy epsilon --history FILE" + tail + "   (FILE holds this site's historyJson)";
    }

    private AuditLine line(AuditEntry e) {
        return new AuditLine(e.seq(), e.at(), e.kind(), e.actor(), summary(e), e.hash());
    }

    /** A short reading of an entry's details for the report's table. */
    private String summary(AuditEntry e) {
        Map<?, ?> d;
        try {
            d = json.readValue(e.detailsJson(), Map.class);
        } catch (RuntimeException ex) {
            return e.detailsJson();
        }
        return switch (e.kind()) {
            case "ROUND_COMPLETED" ->
                "round " + d.get("roundNumber") + " (attempt " + d.get("attempt") + "): participants "
                        + d.get("participants") + "; version " + d.get("baseVersion") + " → " + d.get("resultVersion")
                        + " (sha256 " + abbreviate(d.get("resultDigest")) + ")";
            case "LEDGER_CHARGE" ->
                "round " + d.get("roundNumber") + ", site " + d.get("siteId") + " ("
                        + String.valueOf(d.get("unit")).toLowerCase(Locale.ROOT) + "): " + eventText(d.get("event"));
            case "ROUND_REFUSED" -> String.valueOf(d.get("reason"));
            case "STUDY_CREATED" -> "study " + d.get("name") + " created";
            default -> abbreviateText(e.detailsJson(), 240);
        };
    }

    private static String eventText(Object event) {
        if (event instanceof Map<?, ?> m) {
            return m.get("type") + " q=" + m.get("samplingRate") + ", σ=" + m.get("noiseMultiplier") + ", "
                    + m.get("steps") + " steps";
        }
        return String.valueOf(event);
    }

    private static String abbreviate(Object hex) {
        String s = String.valueOf(hex);
        return s.length() > 16 ? s.substring(0, 16) + "…" : s;
    }

    private static String abbreviateText(String s, int max) {
        return s.length() > max ? s.substring(0, max) + "…" : s;
    }
}
