package org.cohort.coordinator.compliance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.audit.AuditKind;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.ledger.Accounting;
import org.cohort.coordinator.ledger.BudgetCheck;
import org.cohort.coordinator.ledger.ChargeWire;
import org.cohort.coordinator.ledger.LedgerCharge;
import org.cohort.coordinator.ledger.PrivacyLedger;
import org.cohort.coordinator.ledger.Release;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.Unit;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The privacy moments of a round. Before it runs: {@link #checkRound} refuses it when any
 * selected site would go past the study's ε budget (and audits the refusal). At each release —
 * a plain update received and verified, or a secure sum about to be unmasked —
 * {@link #chargeRelease} charges it in the ledger and the audit chain in one transaction, once
 * per signed update, whether or not the attempt is ever published: a retried attempt trained
 * with fresh noise and is spent. After aggregation, before the new version is released:
 * {@link #recordRound} appends the round's entry, naming the charged release of every
 * participant (and charging any that is not on record yet).
 */
@Component
public class RoundCompliance {
    /** StudySpec's default δ, for a stored spec that predates it. */
    private static final double DEFAULT_DELTA = 1e-5;

    private final PrivacyLedger ledger;
    private final AuditLog audit;
    private final TransactionTemplate tx;
    private final Clock clock;
    /** Refusals already audited (study#round → reason): the orchestrator asks again on every tick. */
    private final Set<String> refusalsAudited = ConcurrentHashMap.newKeySet();

    public RoundCompliance(PrivacyLedger ledger, AuditLog audit, PlatformTransactionManager transactions, Clock clock) {
        this.ledger = ledger;
        this.audit = audit;
        this.tx = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    /**
     * One selected site's check.
     *
     * @param nextEvent  what the round is expected to cost it; null when unknown (a site's first
     *                   patient-level round: its data size is not known yet - its agent's own
     *                   ceiling still applies)
     * @param assessment the budget check, null when nextEvent is null
     */
    public record SiteAssessment(String siteId, Unit unit, PrivacyEvent nextEvent, BudgetCheck.Assessment assessment) {
        public boolean exceeds() {
            return assessment != null && assessment.exceeds();
        }
    }

    /** Whether a round may run; when refused, {@code reason} says which sites and why. */
    public record BudgetDecision(
            boolean allowed, String studyId, int roundNumber, List<SiteAssessment> sites, String reason) {}

    /** {@link #checkRound(Study, int, Map)} with each site's cost estimated by {@link #expectedNextEvents}. */
    public BudgetDecision checkRound(Study study, int roundNumber, Collection<String> selectedSites) {
        return checkRound(study, roundNumber, expectedNextEvents(study, selectedSites));
    }

    /**
     * Checks a round before it runs. A study without differential privacy is always allowed.
     * When refused, a ROUND_REFUSED audit entry is appended (once per study and round).
     *
     * @param nextEventBySite each selected site's expected cost; a null value means unknown
     */
    public BudgetDecision checkRound(Study study, int roundNumber, Map<String, PrivacyEvent> nextEventBySite) {
        StudySpec.Privacy privacy = study.spec().privacy();
        if (privacy == null || !privacy.enabled() || privacy.epsilonBudget() == null) {
            return new BudgetDecision(
                    true, study.studyId(), roundNumber, List.of(), "the study uses no differential privacy");
        }
        Unit unit = privacy.unit();
        Accounting accounting = Accounting.forStudy(privacy);
        double budget = privacy.epsilonBudget();
        double delta = privacy.delta() != null ? privacy.delta() : DEFAULT_DELTA;
        List<SiteAssessment> sites = new ArrayList<>();
        List<String> over = new ArrayList<>();
        for (var e : new TreeMap<>(nextEventBySite).entrySet()) {
            if (e.getValue() == null) {
                sites.add(new SiteAssessment(e.getKey(), unit, null, null));
                continue;
            }
            PrivacyAccountant composed = ledger.composed(study.studyId(), e.getKey(), unit, accounting);
            var assessment = BudgetCheck.assess(composed, e.getValue(), budget, delta, accounting);
            sites.add(new SiteAssessment(e.getKey(), unit, e.getValue(), assessment));
            if (assessment.exceeds()) {
                over.add(e.getKey() + ": " + assessment.explain());
            }
        }
        if (over.isEmpty()) {
            return new BudgetDecision(
                    true,
                    study.studyId(),
                    roundNumber,
                    sites,
                    "every selected site stays within ε = " + PrivacyNumbers.epsilon(budget) + " (" + unit.label()
                            + ", δ = " + PrivacyNumbers.delta(delta) + ")");
        }
        String reason = "round " + roundNumber + " refused: " + over.size() + " of " + sites.size()
                + " selected sites would exceed the study's " + unit.label() + " budget ε = "
                + PrivacyNumbers.epsilon(budget) + " at δ = " + PrivacyNumbers.delta(delta) + " - "
                + String.join("; ", over);
        if (refusalsAudited.add(study.studyId() + "#" + roundNumber + "#" + reason)) {
            audit.append(
                    AuditKind.ROUND_REFUSED,
                    AuditTrail.COORDINATOR,
                    refusalDetails(study, roundNumber, unit, accounting, budget, delta, sites, reason));
        }
        return new BudgetDecision(false, study.studyId(), roundNumber, sites, reason);
    }

    /**
     * Why one update's declared charge cannot be accepted: it would take its site past the
     * study's budget (composed after everything already charged). Empty when it fits, when the
     * study has no budget, or when this very release is already charged (sent again). The round-start check projects from a site's last charge and cannot
     * know a site's first patient-level cost, nor one calibrated by the site itself; this check
     * sees the actual charge, before the update enters the sum.
     */
    public Optional<String> overBudget(Study study, ReleaseCharge release) {
        StudySpec.Privacy privacy = study.spec().privacy();
        if (privacy == null
                || !privacy.enabled()
                || privacy.epsilonBudget() == null
                || release == null
                || ledger.find(release.release(), release.charge().unit()).isPresent()) {
            return Optional.empty(); // the same signed update again: it is charged already and costs nothing more
        }
        SiteCharge charge = release.charge();
        Accounting accounting = Accounting.forStudy(privacy);
        double delta = privacy.delta() != null ? privacy.delta() : DEFAULT_DELTA;
        PrivacyAccountant composed = ledger.composed(study.studyId(), charge.siteId(), charge.unit(), accounting);
        var assessment = BudgetCheck.assess(composed, charge.event(), privacy.epsilonBudget(), delta, accounting);
        return assessment.exceeds()
                ? Optional.of("this update's privacy charge would take site " + charge.siteId() + " past the study's "
                        + charge.unit().label() + " budget: " + assessment.explain())
                : Optional.empty();
    }

    /**
     * Each site's expected cost of the next round: the cost of its last charged round (same data,
     * same plan). Without one: for site-level privacy, the Gaussian on every site (q = 1, the
     * worst case) with the study's noise multiplier; for patient-level, unknown (null).
     */
    public Map<String, PrivacyEvent> expectedNextEvents(Study study, Collection<String> sites) {
        StudySpec.Privacy privacy = study.spec().privacy();
        Map<String, PrivacyEvent> out = new LinkedHashMap<>();
        if (privacy == null || !privacy.enabled()) {
            return out;
        }
        Unit unit = privacy.unit();
        for (String site : sites) {
            List<LedgerCharge> charges = ledger.charges(study.studyId(), site, unit);
            PrivacyEvent next = !charges.isEmpty()
                    ? charges.get(charges.size() - 1).event()
                    : unit == Unit.SITE && privacy.noiseMultiplier() != null
                            ? new PrivacyEvent.SampledGaussian(1.0, privacy.noiseMultiplier(), 1)
                            : null;
            out.put(site, next);
        }
        return out;
    }

    /**
     * A finished round as it goes on record.
     *
     * @param participants  sites whose updates went into the new version
     * @param charges       the release of each participant that went into the new version and its
     *                      cost (from their uploads, or computed by the coordinator for site-level
     *                      privacy); normally charged already, when it was received or unmasked
     * @param parameters    the round's training and privacy parameters, as JSON values
     * @param baseDigest    SHA-256 (hex) of the base version's parameters
     * @param resultDigest  SHA-256 (hex) of the new version's parameters ({@link #sha256Hex(float[])})
     */
    public record RoundRecord(
            String studyId,
            int roundNumber,
            String roundId,
            int attempt,
            List<String> participants,
            List<ReleaseCharge> charges,
            Map<String, ?> parameters,
            long baseVersion,
            String baseDigest,
            long resultVersion,
            String resultDigest) {
        public RoundRecord {
            participants = List.copyOf(participants);
            charges = List.copyOf(charges);
            parameters = parameters == null ? Map.of() : parameters;
        }
    }

    /** What {@link #recordRound} did: charges it made, charges that were already there, the round entry. */
    public record Recorded(List<SiteCharge> charged, List<SiteCharge> alreadyCharged, AuditEntry roundEntry) {}

    /** How a release reached the coordinator in a form it could read. */
    public enum Released {
        /** A plain update, received in full and verified against the site's signature. */
        UPLOAD_RECEIVED("a plain update received and verified"),
        /** A secure round's sum, about to be unmasked: each surviving site's masked input is released. */
        SUM_UNMASKED("the secure sum of its survivors unmasked"),
        /** At round close, for a participant whose release was not on record yet. */
        ROUND_CLOSED("a participant of a round being published");

        private final String text;

        Released(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * Charges one release, once: a fresh charge appends its LEDGER_CHARGE entry (with the charge
     * signed as a ChargeStatement the site can check, and the site's own signed manifest) in the
     * same transaction. Call it as soon as the coordinator can read the update — before it could
     * be lost with a replica or its attempt abandoned.
     *
     * @return true if this call charged it, false if the release was already charged
     */
    public boolean chargeRelease(ReleaseCharge c, Released how) {
        return Boolean.TRUE.equals(tx.execute(status -> charge(c, how)));
    }

    /** {@link #chargeRelease} for several releases in one transaction; the charges made now. */
    public List<SiteCharge> chargeReleases(List<ReleaseCharge> releases, Released how) {
        return tx.execute(status -> releases.stream()
                .filter(c -> charge(c, how))
                .map(ReleaseCharge::charge)
                .toList());
    }

    private boolean charge(ReleaseCharge c, Released how) {
        Release r = c.release();
        SiteCharge s = c.charge();
        if (!ledger.charge(r, s.unit(), s.event(), clock.instant())) {
            return false;
        }
        var entry = new LinkedHashMap<String, Object>();
        entry.put("studyId", r.studyId());
        entry.put("roundNumber", r.roundNumber());
        entry.put("roundId", r.roundId());
        entry.put("attempt", r.attempt());
        entry.put("siteId", r.siteId());
        entry.put("unit", s.unit());
        entry.put("payloadSha256", r.payloadSha256());
        entry.put("released", how.text());
        entry.put("event", PrivacyViews.eventDetails(s.event()));
        // The site's own signed manifest: anyone holding its enrolled key can check this was its release.
        entry.put("siteManifest", Base64.getEncoder().encodeToString(r.siteManifest()));
        entry.put("siteSignature", Base64.getEncoder().encodeToString(r.siteSignature()));
        // Signed apart from the chain, so the site can check its own charges without the whole log.
        byte[] statement = ChargeWire.statement(r, s.unit(), s.event()).toByteArray();
        entry.put("statement", Base64.getEncoder().encodeToString(statement));
        entry.put("statementSignature", Base64.getEncoder().encodeToString(audit.signLedgerCharge(statement)));
        audit.append(AuditKind.LEDGER_CHARGE, AuditTrail.COORDINATOR, entry);
        return true;
    }

    /**
     * Appends the round's ROUND_COMPLETED entry, naming the charged release of each participant,
     * in one transaction with any of those charges not yet on record (normally none: a release is
     * charged when it is received or unmasked). Call it after aggregation and before the new
     * version is published: a crash before commit leaves the round off record and it is run
     * again (its releases stay charged); re-recording charges nothing twice.
     */
    public Recorded recordRound(RoundRecord r) {
        return tx.execute(status -> {
            List<SiteCharge> charged = new ArrayList<>();
            List<SiteCharge> already = new ArrayList<>();
            List<Map<String, Object>> chargeDetails = new ArrayList<>();
            for (ReleaseCharge c : r.charges()) {
                boolean fresh = charge(c, Released.ROUND_CLOSED);
                (fresh ? charged : already).add(c.charge());
                var d = new LinkedHashMap<String, Object>();
                d.put("siteId", c.charge().siteId());
                d.put("unit", c.charge().unit());
                d.put("event", PrivacyViews.eventDetails(c.charge().event()));
                d.put("payloadSha256", c.release().payloadSha256());
                d.put("charged", fresh ? "now" : "already, when the update was received or the secure sum unmasked");
                chargeDetails.add(d);
            }
            var d = new LinkedHashMap<String, Object>();
            d.put("studyId", r.studyId());
            d.put("roundNumber", r.roundNumber());
            d.put("roundId", r.roundId());
            d.put("attempt", r.attempt());
            d.put("participants", r.participants());
            d.put("parameters", r.parameters());
            d.put("baseVersion", r.baseVersion());
            d.put("baseDigest", r.baseDigest());
            d.put("resultVersion", r.resultVersion());
            d.put("resultDigest", r.resultDigest());
            d.put("charges", chargeDetails);
            AuditEntry entry = audit.append(AuditKind.ROUND_COMPLETED, AuditTrail.COORDINATOR, d);
            return new Recorded(List.copyOf(charged), List.copyOf(already), entry);
        });
    }

    /** The round parameters of a study worth recording: plan, strategy and privacy. */
    public static Map<String, Object> parameters(StudySpec spec) {
        var p = new LinkedHashMap<String, Object>();
        p.put("strategy", spec.strategy());
        if (spec.plan() != null) {
            var plan = new LinkedHashMap<String, Object>();
            plan.put("localEpochs", spec.plan().localEpochs());
            plan.put("batchSize", spec.plan().batchSize());
            plan.put("optimizer", spec.plan().optimizer());
            plan.put("learningRate", spec.plan().learningRate());
            p.put("plan", plan);
        }
        var privacy = spec.privacy();
        if (privacy != null && privacy.enabled()) {
            var dp = new LinkedHashMap<String, Object>();
            dp.put("mode", privacy.mode());
            dp.put("clipNorm", privacy.clipNorm());
            dp.put("noiseMultiplier", privacy.noiseMultiplier());
            // With calibrateAtSites the study's σ is a floor; each site's own σ is in its charge.
            dp.put("calibrateAtSites", privacy.sitesCalibrate());
            dp.put("delta", privacy.delta());
            dp.put("epsilonBudget", privacy.epsilonBudget());
            dp.put("accountant", privacy.accountant());
            dp.put("expectedBatchSize", privacy.expectedBatchSize());
            p.put("privacy", dp);
        } else {
            p.put("privacy", Map.of("mode", "none"));
        }
        return p;
    }

    /** SHA-256 (hex) of parameters as little-endian float32: the digest the model registry signs. */
    public static String sha256Hex(float[] parameters) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : parameters) {
                if (!buf.hasRemaining()) {
                    buf.flip();
                    sha.update(buf);
                    buf.clear();
                }
                buf.putFloat(v);
            }
            buf.flip();
            sha.update(buf);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static Map<String, Object> refusalDetails(
            Study study,
            int roundNumber,
            Unit unit,
            Accounting accounting,
            double budget,
            double delta,
            List<SiteAssessment> sites,
            String reason) {
        var d = new LinkedHashMap<String, Object>();
        d.put("studyId", study.studyId());
        d.put("roundNumber", roundNumber);
        d.put("unit", unit);
        d.put("epsilonBudget", budget);
        d.put("delta", delta);
        d.put("accountant", accounting.accountantName());
        d.put("conversion", accounting.conversionName());
        List<Map<String, Object>> s = new ArrayList<>();
        for (SiteAssessment a : sites) {
            var m = new LinkedHashMap<String, Object>();
            m.put("siteId", a.siteId());
            m.put("nextEvent", a.nextEvent() == null ? null : PrivacyViews.eventDetails(a.nextEvent()));
            if (a.assessment() != null) {
                m.put("spentEpsilon", PrivacyViews.jsonNumber(a.assessment().spentEpsilon()));
                m.put("epsilonAfter", PrivacyViews.jsonNumber(a.assessment().epsilonAfter()));
                m.put("exceeds", a.assessment().exceeds());
            }
            s.add(m);
        }
        d.put("sites", s);
        d.put("reason", reason);
        return d;
    }
}
