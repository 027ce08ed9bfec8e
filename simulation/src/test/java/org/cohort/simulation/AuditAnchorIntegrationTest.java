package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The audit chain's outside anchors, end to end: someone with the database cuts entries from the
 * log's end and resets its head. The chain still verifies in itself; a head exported earlier and
 * the heads the sites kept from their tasks both show it.
 */
class AuditAnchorIntegrationTest {

    @Test
    void aLogCutBackAtItsEndFailsAgainstAnExportedHeadAndSitesThatSawALaterHeadRefuse(@TempDir Path dir)
            throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String first = fed.createStudy(2, 2, 60);
            String second = fed.createStudy(2, 2, 60);
            for (int i = 0; i < 2; i++) {
                fed.startAgent(i, Set.of(first, second), null, null);
            }
            fed.awaitConnected(2);
            fed.api.studies().start(first);
            assertThat(fed.awaitStudyEnd(first, Duration.ofMinutes(2))
                            .get("status")
                            .asString())
                    .isEqualTo("COMPLETED");

            JsonNode exported = fed.api.audit().head();
            long seen = lastHeadSeen(fed.agentWorkDir(0));
            assertThat(seen)
                    .isPositive()
                    .isLessThanOrEqualTo(exported.get("seq").asLong());

            // Cut the log's end below what the sites saw, and make the head agree with the cut.
            var jdbc = fed.coordinator.bean(JdbcClient.class);
            long cut = seen - 3;
            String hash = jdbc.sql("SELECT hash FROM audit_entries WHERE seq = ?")
                    .param(cut)
                    .query(String.class)
                    .single();
            jdbc.sql("DELETE FROM audit_entries WHERE seq > ?").param(cut).update();
            jdbc.sql("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
                    .params(cut, hash)
                    .update();

            assertThat(fed.api.audit().verify().get("valid").asBoolean())
                    .as("a log cut at its end is consistent in itself")
                    .isTrue();
            JsonNode v = fed.api
                    .audit()
                    .verify(exported.get("seq").asLong(), exported.get("hash").asString());
            assertThat(v.get("valid").asBoolean()).isFalse();
            assertThat(v.get("firstProblem").get("defect").asString()).isEqualTo("HEAD_ROLLED_BACK");
            assertThat(v.get("summary").asString())
                    .contains(
                            "the log ends at #" + cut,
                            "#" + exported.get("seq").asLong() + " "
                                    + exported.get("hash").asString());

            // The next study's tasks carry a head below what the sites saw: both stop trusting it.
            fed.api.studies().start(second);
            for (int i = 0; i < 2; i++) {
                String reason = awaitDistrusted(fed.agentWorkDir(i), second);
                assertThat(reason).contains("went backwards", "already saw it reach #" + seen);
            }
            assertThat(fed.api.studies().get(second).get("status").asString()).isNotEqualTo("COMPLETED");
        }
    }

    private static long lastHeadSeen(Path work) throws Exception {
        return Files.readAllLines(work.resolve("audit-heads.log")).stream()
                .mapToLong(l -> Long.parseLong(l.split(" ")[0]))
                .max()
                .orElseThrow();
    }

    /** The reason a site recorded for no longer trusting a study, once it has. */
    static String awaitDistrusted(Path work, String studyId) throws InterruptedException, java.io.IOException {
        Path file = work.resolve("distrusted-studies.txt");
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith(studyId + "\t")) {
                        return line;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the site at " + work + " did not stop study " + studyId + " within 60 s");
    }
}
