package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.cohort.agent.Dl4jLearner;
import org.cohort.coordinator.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Split-brain protection: a replica that sees fewer members than the quorum (here one of three,
 * quorum two) drives no round, cannot read the cluster state, and turns agents away; once a
 * second replica joins, the oldest drives rounds and the agent's session is taken.
 */
class ClusterQuorumIntegrationTest {

    @Test
    void aReplicaWithoutQuorumServesNoAgentUntilASecondOneJoins(@TempDir Path dir) throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_ha_quorum");
                var cluster = new TestCluster(dir, schema, 3, 2, 1)) {
            JsonNode alone = cluster.client(0).status();
            assertThat(alone.get("inQuorum").asBoolean()).isFalse();
            assertThat(alone.get("clusterMembers").asInt()).isEqualTo(1);
            assertThat(alone.get("drivesRounds").asBoolean()).isFalse();
            assertThat(alone.get("connectedSites").asInt())
                    .as("the session directory is out of reach")
                    .isEqualTo(-1);

            var options = TestFederation.plainOptions(dir, 1, 1);
            var site = DemoData.prepare(options, dir.resolve("data")).sites().get(0);
            var agent = cluster.startAgent(site, dir.resolve("agents"), "st-any", new Dl4jLearner(site.dataFile()), 0);
            Thread.sleep(2000); // the agent tries, and is turned away, several times
            assertThat(agent.connected()).isFalse();
            assertThat(cluster.client(0).status().get("connectedHere").asInt()).isZero();

            cluster.start(1);
            cluster.awaitConnected(1);
            assertThat(cluster.client(0).status().get("connectedHere").asInt()).isEqualTo(1);
            long until = System.currentTimeMillis() + 30_000;
            while (!cluster.client(0).status().get("drivesRounds").asBoolean() && System.currentTimeMillis() < until) {
                Thread.sleep(100);
            }
            JsonNode status = cluster.client(0).status();
            assertThat(status.get("inQuorum").asBoolean()).isTrue();
            assertThat(status.get("drivesRounds").asBoolean())
                    .as("the oldest member drives")
                    .isTrue();
            assertThat(cluster.client(1).status().get("drivesRounds").asBoolean())
                    .isFalse();
            assertThat(cluster.client(1).status().get("connectedSites").asInt()).isEqualTo(1);
        }
    }
}
