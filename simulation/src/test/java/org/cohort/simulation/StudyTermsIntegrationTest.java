package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cohort.agent.SiteAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * What a site agreed to is what it does: each agent pins its study's terms and refuses any task
 * that differs, the coordinator does not count on a site whose pinned terms are not the study's,
 * a study whose rounds could not complete is refused before any site spends ε on it, and a
 * patient in several studies at one site is capped over all of them.
 */
class StudyTermsIntegrationTest {
    private static final Map<String, Object> PATIENT_DP = PrivacySpec.patient(1.5)
            .with("clipNorm", 1.0)
            .with("delta", 1e-5)
            .with("epsilonBudget", 100.0)
            .with("accountant", "rdp")
            .with("expectedBatchSize", 32)
            .fields();

    private static String patientStudy(TestFederation fed, int rounds, int minSites) {
        var extra = new HashMap<String, Object>(Map.of("privacy", PATIENT_DP, "maxRetries", 0));
        return fed.createStudy(rounds, minSites, 60, extra);
    }

    /** The coordinator's operator (or whoever holds its database) edits a stored study. */
    private static void tamper(TestFederation fed, String studyId, String from, String to) {
        int changed = fed.coordinator
                .bean(JdbcClient.class)
                .sql("UPDATE studies SET spec_json = REPLACE(spec_json, ?, ?) WHERE study_id = ?")
                .params(from, to, studyId)
                .update();
        assertThat(changed).isEqualTo(1);
        assertThat(fed.api.studies().get(studyId).get("spec").toString()).contains(to);
    }

    /** Every site refused the study's first round, saying {@code why}, and its ledger shows nothing sent. */
    private static void assertRefusedFirstRoundWithNothingSpent(
            TestFederation fed, String studyId, List<SiteAgent> sites, String... why) throws Exception {
        JsonNode first = fed.api.studies().rounds(studyId).get(0);
        for (SiteAgent site : sites) {
            assertThat(first.get("dropped").get(site.siteId()).asString())
                    .as(first.toString())
                    .startsWith("REFUSED")
                    .contains(why);
            assertThat(PrivacyIntegrationTest.localUpdates(site.ledgerFile(), studyId))
                    .isEmpty();
        }
    }

    @Test
    void aCoordinatorThatSwitchesDpOffIsRefusedBeforeAnythingIsTrained(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = patientStudy(fed, 2, 2);
            JsonNode terms = fed.api.studies().terms(studyId);
            assertThat(terms.get("agentProperty").asString())
                    .isEqualTo(
                            "study." + studyId + ".terms=" + terms.get("digest").asString());
            assertThat(fed.api.studies().get(studyId).get("terms").get("digest"))
                    .isEqualTo(terms.get("digest"));
            // Each admin reviewed and pinned the patient-level terms, with a patient ceiling of 1.0.
            SiteAgent a = fed.startAgent(0, studyId, null, 1.0);
            SiteAgent b = fed.startAgent(1, studyId, null, 1.0);
            fed.awaitConnected(2);
            tamper(fed, studyId, "\"mode\":\"patient\"", "\"mode\":\"none\"");
            fed.api.studies().start(studyId);

            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("FAILED");
            assertRefusedFirstRoundWithNothingSpent(
                    fed,
                    studyId,
                    List.of(a, b),
                    "not those this site's admin pinned for study " + studyId,
                    "\"mode\":\"none\"",
                    "nothing was trained");
        }
    }

    @Test
    void aSiteWhosePinnedTermsAreNotTheStudysIsNeverSelected(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = patientStudy(fed, 1, 2);
            fed.startAgent(0, fed.pinned(List.of(studyId)), null, null, null);
            // This admin pinned other terms (reviewed another version, or mistyped).
            fed.startAgent(1, Map.of(studyId, "sha256:" + "0".repeat(64)), null, null, null);
            fed.awaitConnected(2);
            fed.api.studies().start(studyId);
            Instant until = Instant.now().plusSeconds(30);
            String detail = "";
            while (Instant.now().isBefore(until) && !detail.contains("waiting for sites")) {
                Thread.sleep(200);
                detail = fed.api.studies().get(studyId).get("statusDetail").asString();
            }
            assertThat(detail).isEqualTo("waiting for sites: 1 connected and accepting, 2 needed");
            assertThat(fed.api.studies().rounds(studyId).size()).isZero();
            fed.api.studies().stop(studyId);
        }
    }

    @Test
    void aStudyWhoseRoundsCouldNotCloseCostsNoSiteAnything(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            var unknown = new HashMap<String, Object>(Map.of("privacy", PATIENT_DP, "strategy", "no-such-strategy"));
            assertThatThrownBy(() -> fed.createStudy(4, 2, 60, unknown))
                    .hasMessageContaining("answered 400")
                    .hasMessageContaining("strategy 'no-such-strategy' is not implemented");

            // A study stored before strategies were checked at creation fails before any task is sent.
            String studyId = patientStudy(fed, 4, 2);
            SiteAgent a = fed.startAgent(0, studyId, null);
            SiteAgent b = fed.startAgent(1, studyId, null);
            fed.awaitConnected(2);
            tamper(fed, studyId, "\"strategy\":\"fedavg\"", "\"strategy\":\"no-such-strategy\"");
            fed.api.studies().start(studyId);
            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("FAILED");
            assertThat(study.get("statusDetail").asString())
                    .contains("cannot aggregate", "no-such-strategy", "no task was sent");
            for (SiteAgent site : List.of(a, b)) {
                assertThat(PrivacyIntegrationTest.localUpdates(site.ledgerFile(), studyId))
                        .isEmpty();
            }
            assertThat(fed.api.studies().privacy(studyId).get("sites").size()).isZero();
        }
    }

    @Test
    void anAgentRefusesATaskItCouldNotCompleteWithoutALedgerEntry(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = patientStudy(fed, 2, 2);
            String column = fed.api
                    .studies()
                    .get(studyId)
                    .get("spec")
                    .get("dataset")
                    .get("features")
                    .get(0)
                    .get("name")
                    .asString();
            // A column no site has, in the terms the admins pin: the agents would fail half way, after
            // ACCEPTED, on the code before this check. (Changed after they pinned, the task is refused as
            // TERMS_DIFFER: see theDatasetIsPinnedSoItCannotBeChangedAfterSitesAccepted.)
            tamper(fed, studyId, "\"name\":\"" + column + "\"", "\"name\":\"no_such_column\"");
            SiteAgent a = fed.startAgent(0, studyId, null);
            SiteAgent b = fed.startAgent(1, studyId, null);
            JsonNode study = fed.startAndAwaitEnd(studyId, 2, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("FAILED");
            assertRefusedFirstRoundWithNothingSpent(
                    fed, studyId, List.of(a, b), "cannot be read as study " + studyId, "nothing spent");
        }
    }

    @Test
    void theDatasetIsPinnedSoItCannotBeChangedAfterSitesAccepted(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = patientStudy(fed, 2, 2);
            SiteAgent a = fed.startAgent(0, studyId, null);
            SiteAgent b = fed.startAgent(1, studyId, null);
            fed.awaitConnected(2);
            // After the admins pinned the terms, the coordinator's copy of the study moves the held-out split.
            tamper(fed, studyId, "\"testFraction\":0.25", "\"testFraction\":0.9");
            fed.api.studies().start(studyId);
            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("FAILED");
            // Only the dataset changed, so the refusal is the dataset's pin (no earlier task showed the agents
            // the terms in full, so they name the digest rather than the field).
            assertRefusedFirstRoundWithNothingSpent(fed, studyId, List.of(a, b), "TERMS_DIFFER", "nothing was trained");
        }
    }

    @Test
    void aPatientInTwoStudiesAtOneSiteIsCappedOverBoth(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            // One round here costs ε ≈ 3.04 and two ≈ 4.20 (RDP, δ = 1e-5; see PrivacyIntegrationTest): under each
            // study's budget of 100 and the per-study ceiling of 3.5, but not both under 3.5 over all studies.
            String first = patientStudy(fed, 1, 1);
            String second = patientStudy(fed, 1, 1);
            SiteAgent site = fed.startAgent(0, fed.pinned(List.of(first, second)), null, 3.5, 3.5);
            fed.awaitConnected(1);
            fed.api.studies().start(first);
            assertThat(fed.awaitStudyEnd(first, Duration.ofMinutes(2))
                            .get("status")
                            .asString())
                    .isEqualTo("COMPLETED");
            assertThat(PrivacyIntegrationTest.localUpdates(site.ledgerFile(), first))
                    .hasSize(1);
            // What the first study spent, by the site's own ledger (same δ and accountant as the ceiling's).
            double spentFirst = PrivacyIntegrationTest.localUpdates(site.ledgerFile(), first)
                    .get(0)
                    .get("epsilonAfter")
                    .asDouble();

            fed.api.studies().start(second);
            JsonNode study = fed.awaitStudyEnd(second, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("FAILED");
            JsonNode round = fed.api.studies().rounds(second).get(0);
            assertThat(round.get("dropped").get(site.siteId()).asString())
                    .as(round.toString())
                    .startsWith("REFUSED")
                    .contains(
                            String.format(
                                    java.util.Locale.ROOT, "patient-level ε over all studies from %.4f", spentFirst),
                            "above the site's ceiling over all studies of 3.5000",
                            "privacy.patient-epsilon-ceiling-all-studies");
            assertThat(PrivacyIntegrationTest.localUpdates(site.ledgerFile(), second))
                    .isEmpty();
        }
    }
}
