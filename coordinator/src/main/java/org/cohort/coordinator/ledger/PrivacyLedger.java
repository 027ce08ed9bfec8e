package org.cohort.coordinator.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyLedgerEntry;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.Unit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The coordinator's record of privacy spent: one charge per release (see {@link Release}) and
 * unit, kept exactly once by the database's primary key. Every attempt of a round whose update
 * the coordinator could read is charged — a retry trains again with fresh noise — while the same
 * signed update received again (re-sent, resumed, recorded again) is charged once, across
 * restarts and replicas. Everything reported is recomputed from these
 * rows with a fresh accountant (composed results are cached per site).
 */
@Component
public class PrivacyLedger {
    private static final Logger log = LoggerFactory.getLogger(PrivacyLedger.class);

    private static final int MAX_ROUNDS_LEFT_MEMO = 1024;
    /** A site's releases in the order they happened: round, attempt, then time (and a tie-break). */
    private static final String RELEASE_ORDER = "round_number, attempt, charged_at, round_id, payload_sha256";

    private final JdbcClient jdbc;
    private final AccountantCache cache = new AccountantCache();
    /** Rounds-left answers by site, history and budget: a PLD search takes seconds, and reports ask often. */
    private final Map<RoundsLeftKey, BudgetCheck.RoundsLeft> roundsLeftMemo = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RoundsLeftKey, BudgetCheck.RoundsLeft> eldest) {
            return size() > MAX_ROUNDS_LEFT_MEMO;
        }
    };

    private record RoundsLeftKey(
            AccountantCache.Key site, List<PrivacyLedgerEntry> entries, double budget, double delta) {}

    public PrivacyLedger(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records what one release cost its site, for {@code unit}. Exactly once per release: the
     * first charge of a (study, round, round id, site, unit, payload digest) is kept and later
     * ones change nothing, so the same signed update received again (re-sent after a replica was
     * lost, resumed, or recorded again at round close) costs nothing more, while every other
     * attempt of the round — trained again, with fresh noise — is charged.
     *
     * @return true if this call recorded the charge, false if this release was already charged
     */
    public boolean charge(Release release, Unit unit, PrivacyEvent event, Instant at) {
        if (release == null || unit == null || event == null || at == null) {
            throw new IllegalArgumentException("a charge needs a release, a unit, an event and a time");
        }
        Row row = Row.of(event);
        // ON CONFLICT DO NOTHING (PostgreSQL, and H2 in PostgreSQL mode) rather than catching a
        // duplicate-key error: a failed INSERT would abort an enclosing PostgreSQL transaction.
        int inserted = jdbc.sql("""
                INSERT INTO privacy_charges (study_id, round_number, round_id, attempt, site_id, unit, payload_sha256,
                    event_type, sampling_rate, noise_multiplier, steps, site_manifest, site_signature, charged_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING""")
                .params(
                        release.studyId(),
                        release.roundNumber(),
                        release.roundId(),
                        release.attempt(),
                        release.siteId(),
                        unit.name(),
                        release.payloadSha256(),
                        row.type(),
                        row.samplingRate(),
                        row.noiseMultiplier(),
                        row.steps(),
                        release.siteManifest(),
                        release.siteSignature(),
                        OffsetDateTime.ofInstant(at.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC))
                .update();
        if (inserted == 0) {
            find(release, unit)
                    .filter(existing -> !existing.event().equals(event))
                    .ifPresent(existing -> log.warn(
                            "{} ({}) was already charged {} at {}; the later charge {} is"
                                    + " ignored (a release is charged once)",
                            release,
                            unit,
                            existing.event().describe(),
                            existing.chargedAt(),
                            event.describe()));
        }
        return inserted == 1;
    }

    /** The charge of one release, if it was made. */
    public Optional<LedgerCharge> find(Release release, Unit unit) {
        return jdbc.sql("""
                SELECT * FROM privacy_charges WHERE study_id = ? AND round_number = ? AND round_id = ? AND site_id = ?
                    AND unit = ? AND payload_sha256 = ?""")
                .params(
                        release.studyId(),
                        release.roundNumber(),
                        release.roundId(),
                        release.siteId(),
                        unit.name(),
                        release.payloadSha256())
                .query(PrivacyLedger::map)
                .optional();
    }

    /** Every charge of every study, by study, site, unit and round. */
    public List<LedgerCharge> all() {
        return jdbc.sql("SELECT * FROM privacy_charges ORDER BY study_id, site_id, unit, " + RELEASE_ORDER)
                .query(PrivacyLedger::map)
                .list();
    }

    /** Every charge of a study, by site, unit and round. */
    public List<LedgerCharge> charges(String studyId) {
        return jdbc.sql("SELECT * FROM privacy_charges WHERE study_id = ? ORDER BY site_id, unit, " + RELEASE_ORDER)
                .param(studyId)
                .query(PrivacyLedger::map)
                .list();
    }

    /** The sites charged in a study for a unit, in id order. */
    public List<String> sites(String studyId, Unit unit) {
        return jdbc.sql("SELECT DISTINCT site_id FROM privacy_charges WHERE study_id = ? AND unit = ? ORDER BY site_id")
                .params(studyId, unit.name())
                .query(String.class)
                .list();
    }

    /** The units charged in a study. */
    public List<Unit> units(String studyId) {
        return jdbc
                .sql("SELECT DISTINCT unit FROM privacy_charges WHERE study_id = ? ORDER BY unit")
                .param(studyId)
                .query(String.class)
                .list()
                .stream()
                .map(Unit::valueOf)
                .toList();
    }

    /** What a site spent in a study for one unit, round by round: the exact inputs of every ε. */
    public EventHistory history(String studyId, String siteId, Unit unit) {
        List<PrivacyLedgerEntry> entries =
                jdbc
                        .sql("""
                SELECT * FROM privacy_charges WHERE study_id = ? AND site_id = ? AND unit = ? ORDER BY\s""" + RELEASE_ORDER)
                        .params(studyId, siteId, unit.name())
                        .query(PrivacyLedger::map)
                        .list()
                        .stream()
                        .map(c -> new PrivacyLedgerEntry(c.entryId(), c.event()))
                        .toList();
        return new EventHistory(unit, entries);
    }

    /** The charges behind {@link #history}, with their round numbers and times. */
    public List<LedgerCharge> charges(String studyId, String siteId, Unit unit) {
        return jdbc.sql("""
                SELECT * FROM privacy_charges WHERE study_id = ? AND site_id = ? AND unit = ? ORDER BY\s""" + RELEASE_ORDER)
                .params(studyId, siteId, unit.name())
                .query(PrivacyLedger::map)
                .list();
    }

    /** ε spent by a site in a study for one unit, at δ, with the accountant's default conversion. */
    public PrivacyReport spent(String studyId, String siteId, Unit unit, double delta, AccountantKind accountant) {
        return spent(studyId, siteId, unit, delta, Accounting.of(accountant));
    }

    public PrivacyReport spent(String studyId, String siteId, Unit unit, double delta, Accounting accounting) {
        return accounting.report(composed(studyId, siteId, unit, accounting), delta, unit);
    }

    /** The accountant after every charge of the site, in round order (cached; extended as rounds are added). */
    public PrivacyAccountant composed(String studyId, String siteId, Unit unit, Accounting accounting) {
        return cache.composed(
                new AccountantCache.Key(studyId, siteId, unit, accounting), history(studyId, siteId, unit));
    }

    /**
     * How many more rounds at the site's current parameters (its last charged round) keep its ε
     * within {@code epsilonBudget}; empty when the site has no charge yet.
     */
    public Optional<BudgetCheck.RoundsLeft> roundsLeft(
            String studyId, String siteId, Unit unit, double epsilonBudget, double delta, Accounting accounting) {
        EventHistory history = history(studyId, siteId, unit);
        if (history.entries().isEmpty()) {
            return Optional.empty();
        }
        var siteKey = new AccountantCache.Key(studyId, siteId, unit, accounting);
        var key = new RoundsLeftKey(siteKey, history.entries(), epsilonBudget, delta);
        synchronized (roundsLeftMemo) {
            var known = roundsLeftMemo.get(key);
            if (known != null) {
                return Optional.of(known);
            }
        }
        PrivacyEvent perRound =
                history.entries().get(history.entries().size() - 1).event();
        var left = BudgetCheck.roundsLeft(
                cache.composed(siteKey, history),
                perRound,
                epsilonBudget,
                delta,
                accounting,
                BudgetCheck.DEFAULT_HORIZON);
        synchronized (roundsLeftMemo) {
            roundsLeftMemo.put(key, left);
        }
        return Optional.of(left);
    }

    /** ε after each charged round, in round order: the curve of a site's spending. */
    public List<RoundEpsilon> curve(String studyId, String siteId, Unit unit, double delta, Accounting accounting) {
        List<LedgerCharge> charges = charges(studyId, siteId, unit);
        EventHistory history = new EventHistory(
                unit,
                charges.stream()
                        .map(c -> new PrivacyLedgerEntry(c.entryId(), c.event()))
                        .toList());
        List<Double> eps =
                cache.prefixEpsilons(new AccountantCache.Key(studyId, siteId, unit, accounting), history, delta);
        List<RoundEpsilon> out = new ArrayList<>(charges.size());
        for (int i = 0; i < charges.size(); i++) {
            out.add(new RoundEpsilon(
                    charges.get(i).roundNumber(), eps.get(i), charges.get(i).event()));
        }
        return out;
    }

    /** ε after a round, and that round's own event. */
    public record RoundEpsilon(int roundNumber, double epsilon, PrivacyEvent event) {}

    /**
     * Per site: spent ε, the budget, what remains, and how many more rounds at the site's current
     * parameters (its last charged round) fit. Sites appear once they have been charged.
     */
    public BudgetView budget(String studyId, Unit unit, double epsilonBudget, double delta, Accounting accounting) {
        BudgetCheck.checkBudget(epsilonBudget, delta);
        List<BudgetView.SiteBudget> sites = new ArrayList<>();
        Map<String, List<LedgerCharge>> bySite = new LinkedHashMap<>();
        for (LedgerCharge c : charges(studyId)) {
            if (c.unit() == unit) {
                bySite.computeIfAbsent(c.siteId(), k -> new ArrayList<>()).add(c);
            }
        }
        for (var e : bySite.entrySet()) {
            PrivacyAccountant composed = composed(studyId, e.getKey(), unit, accounting);
            PrivacyReport spent = accounting.report(composed, delta, unit);
            PrivacyEvent perRound = e.getValue().get(e.getValue().size() - 1).event();
            var left = roundsLeft(studyId, e.getKey(), unit, epsilonBudget, delta, accounting)
                    .orElseThrow();
            sites.add(new BudgetView.SiteBudget(
                    e.getKey(),
                    e.getValue().size(),
                    spent,
                    Math.max(0, epsilonBudget - spent.epsilon()),
                    perRound,
                    left));
        }
        return new BudgetView(studyId, unit, epsilonBudget, delta, accounting, sites);
    }

    /** The budget view of a study's declared unit, budget, δ and accountant; empty for a study without privacy. */
    public Optional<BudgetView> budget(String studyId, StudySpec.Privacy privacy) {
        if (privacy == null || !privacy.enabled() || privacy.epsilonBudget() == null || privacy.delta() == null) {
            return Optional.empty();
        }
        return Optional.of(budget(
                studyId, privacy.unit(), privacy.epsilonBudget(), privacy.delta(), Accounting.forStudy(privacy)));
    }

    private static LedgerCharge map(ResultSet rs, int i) throws SQLException {
        String type = rs.getString("event_type");
        double q = rs.getDouble("sampling_rate");
        double sigma = rs.getDouble("noise_multiplier");
        long steps = rs.getLong("steps");
        PrivacyEvent event = switch (type) {
            case "sampled_gaussian" -> new PrivacyEvent.SampledGaussian(q, sigma, steps);
            case "gaussian" -> new PrivacyEvent.Gaussian(sigma, steps);
            default ->
                throw new IllegalStateException("privacy_charges holds an unknown event type '" + type
                        + "'; this coordinator understands sampled_gaussian and gaussian");
        };
        return new LedgerCharge(
                rs.getString("study_id"),
                rs.getInt("round_number"),
                rs.getString("site_id"),
                Unit.valueOf(rs.getString("unit")),
                event,
                rs.getObject("charged_at", OffsetDateTime.class).toInstant(),
                rs.getString("round_id"),
                rs.getInt("attempt"),
                rs.getString("payload_sha256"));
    }

    /** An event as ledger columns. */
    private record Row(String type, double samplingRate, double noiseMultiplier, long steps) {
        static Row of(PrivacyEvent event) {
            return switch (event) {
                case PrivacyEvent.SampledGaussian g ->
                    new Row("sampled_gaussian", g.samplingRate(), g.noiseMultiplier(), g.steps());
                case PrivacyEvent.Gaussian g -> new Row("gaussian", 1.0, g.noiseMultiplier(), g.count());
            };
        }
    }
}
