package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * V9's columns on the migrated database: an accepted upload's size is read back with its report,
 * other reports carry none; and a study's status detail longer than its column (a budget refusal
 * naming every site) is kept, shortened, instead of failing the update at every tick.
 */
class UploadSizeHistoryTest {
    private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void anAcceptedUploadsSizeIsOnRecordWithItsReport() {
        var ds = TestDatabase.inMemory();
        TestDatabase.study(ds, "st-1", "frozen", null);
        var jdbc = JdbcClient.create(ds);
        jdbc.sql("""
                INSERT INTO rounds (round_id, study_id, round_number, attempt, kind, base_version, status,
                                    selected_sites, started_at)
                VALUES ('rd-1', 'st-1', 1, 1, 'TRAIN', 1, 'COLLECTING', 'a,b', ?)""").param(java.sql.Timestamp.from(AT)).update();
        var history = new RoundRepository(jdbc);
        history.insertReport("rd-1", "a", "ACCEPTED", 100L, null, 5L, null, AT);
        history.insertReport("rd-1", "b", "DROPPED", null, null, null, "late", AT);
        history.recordUploadSize("rd-1", "a", new UploadSize(34, 136, 1160));
        history.recordUploadSize("rd-1", "b", new UploadSize(34, 136, 1160)); // no ACCEPTED report: nothing

        var reports = history.reportsByRound("st-1").get("rd-1");
        assertThat(reports)
                .filteredOn(r -> r.siteId().equals("a"))
                .singleElement()
                .satisfies(r -> assertThat(r.upload()).isEqualTo(new UploadSize(34, 136, 1160)));
        assertThat(reports)
                .filteredOn(r -> r.siteId().equals("b"))
                .singleElement()
                .satisfies(r -> assertThat(r.upload()).isNull());
    }

    @Test
    void aStatusDetailLongerThanItsColumnIsShortenedNotRefused() {
        var ds = TestDatabase.inMemory();
        TestDatabase.study(ds, "st-1", "long", null);
        var studies = new StudyRepository(JdbcClient.create(ds), TestDatabase.json());
        String reason = "stopped by the privacy budget: " + "site-x ε would reach 12.5; ".repeat(80);
        studies.updateProgress("st-1", StudyStatus.STOPPED, reason, 3, 2, AT);

        var study = studies.find("st-1").orElseThrow();
        assertThat(study.status()).isEqualTo(StudyStatus.STOPPED);
        assertThat(study.statusDetail())
                .hasSize(1000)
                .startsWith("stopped by the privacy budget")
                .endsWith("...");
    }
}
