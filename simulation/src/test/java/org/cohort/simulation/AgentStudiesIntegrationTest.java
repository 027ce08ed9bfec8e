package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.cohort.agent.AgentConfig;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.SiteAgent;
import org.cohort.agent.SplitSecretFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site's admin reviews and accepts a study with {@code cohort-agent studies} while its agent
 * runs, over the agent's own mutual-TLS identity: the running agent picks the acceptance up and
 * trains, and after a withdrawal the coordinator no longer counts on the site. The agent's
 * metrics file shows the round.
 */
class AgentStudiesIntegrationTest {
    @Test
    void anAdminAcceptsAndWithdrawsWhileTheAgentRuns(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            String first = fed.createStudy(1, 1, 60, Map.of());
            var site = fed.data.sites().get(0);
            var token = fed.token(site.name());
            Path work = dir.resolve("agent-work");
            TestSplitSecrets.install(work, site.dataFile());
            Path file = Files.writeString(
                    dir.resolve("agent.properties"),
                    "# this hospital's agent\n"
                            + "site.name=" + site.name() + "\n"
                            + "coordinator.addresses=" + fed.coordinator.agentAddress() + "\n"
                            + "coordinator.ca-fingerprint="
                            + token.get("caFingerprint").asString() + "\n"
                            + "enrollment.token=" + token.get("token").asString() + "\n"
                            + "data.path=" + site.dataFile() + "\n"
                            + "work.dir=" + work + "\n"
                            + "# nothing accepted yet\n"
                            + "studies.accepted=\n");
            AgentConfig config = AgentConfig.load(file);
            try (SiteAgent agent = SiteAgent.start(
                    config, new Dl4jLearner(site.dataFile(), SplitSecretFile.loadOrCreate(work)), file)) {
                fed.awaitConnected(1);
                String digest = fed.api.studies().terms(first).get("digest").asString();
                assertThat(SiteAgent.command("studies", "show", first, "--config", file.toString()))
                        .isZero();
                assertThat(SiteAgent.command(
                                "studies",
                                "accept",
                                first,
                                "--training-examples",
                                "240",
                                "--terms",
                                digest,
                                "--config",
                                file.toString()))
                        .isZero();
                assertThat(Files.readString(file))
                        .contains("# nothing accepted yet\nstudies.accepted=" + first + "\n")
                        .contains("study." + first + ".terms=" + digest + "\n");

                fed.api.studies().start(first);
                var study = fed.awaitStudyEnd(first, Duration.ofMinutes(3));
                assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
                Thread.sleep(500);
                assertThat(Files.readString(agent.metricsFile()))
                        .contains("cohort_agent_tasks_total{outcome=\"completed\",reason=\"\"}")
                        .contains("cohort_agent_training_rounds_total{study=\"" + first + "\"} ")
                        .containsPattern("cohort_agent_sent_bytes_total [1-9]");

                String second = fed.createStudy(1, 1, 60, Map.of());
                String secondDigest =
                        fed.api.studies().terms(second).get("digest").asString();
                assertThat(SiteAgent.command(
                                "studies",
                                "accept",
                                second,
                                "--training-examples",
                                "240",
                                "--terms",
                                secondDigest,
                                "--config",
                                file.toString()))
                        .isZero();
                assertThat(SiteAgent.command("studies", "withdraw", second, "--config", file.toString()))
                        .isZero();
                Thread.sleep(5_000); // the agent reads the file every 2 s and tells the coordinator
                fed.api.studies().start(second);
                Instant until = Instant.now().plusSeconds(30);
                String detail = "";
                while (Instant.now().isBefore(until) && !detail.contains("waiting for sites")) {
                    Thread.sleep(200);
                    detail = fed.api.studies().get(second).get("statusDetail").asString();
                }
                assertThat(detail).isEqualTo("waiting for sites: 0 connected and accepting, 1 needed");
                assertThat(fed.api.studies().rounds(second).size()).isZero();
                fed.api.studies().stop(second);
            }
        }
    }
}
