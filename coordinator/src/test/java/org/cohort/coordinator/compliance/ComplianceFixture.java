package org.cohort.coordinator.compliance;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.audit.TestSigner;
import org.cohort.coordinator.ledger.PrivacyLedger;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/** The compliance side wired by hand over a fresh database, as Spring would wire it. */
final class ComplianceFixture {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

    final DataSource ds = TestDatabase.inMemory();
    final JdbcClient jdbc = JdbcClient.create(ds);
    final TestSigner signer = new TestSigner();
    final DataSourceTransactionManager tx = new DataSourceTransactionManager(ds);
    final AuditLog audit = new AuditLog(jdbc, tx, signer, CLOCK);
    final PrivacyLedger ledger = new PrivacyLedger(jdbc);
    final RoundCompliance rounds = new RoundCompliance(ledger, audit, tx, CLOCK);
    final PrivacyReports reports = new PrivacyReports(
            new StudyRepository(jdbc, TestDatabase.json()),
            new SiteRepository(jdbc),
            ledger,
            audit,
            TestDatabase.json(),
            CLOCK);

    /** Records round {@code n} of {@code studyId} with every site charged {@code event} for {@code unit}. */
    RoundCompliance.Recorded round(String studyId, int n, Unit unit, PrivacyEvent event, String... sites) {
        var charges = java.util.Arrays.stream(sites)
                .map(s -> new ReleaseCharge(TestDatabase.release(studyId, n, s), new SiteCharge(s, unit, event)))
                .toList();
        return rounds.recordRound(new RoundCompliance.RoundRecord(
                studyId,
                n,
                "rd-" + n,
                1,
                List.of(sites),
                charges,
                Map.of("strategy", "fedavg"),
                n,
                "aa".repeat(32),
                n + 1,
                "bb".repeat(32)));
    }
}
