package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import org.cohort.agent.Dl4jLearner;
import org.cohort.coordinator.testing.TestPostgres;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Secure aggregation with the sites spread over three coordinator replicas: key advertisements,
 * encrypted shares, consistency signatures and unmasking responses travel between each site and
 * the driving replica through the replica holding the site's session, and masked inputs received
 * by the other replicas are handed to the driver's secure-aggregation server. The round releases
 * only the sum, as with one coordinator.
 */
class ClusterSecureAggregationIntegrationTest {

    @Test
    void sitesOnDifferentReplicasCompleteSecureRounds(@TempDir Path dir) throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_ha_secagg");
                var cluster = new TestCluster(dir, schema, 3, 2)) {
            var options = TestFederation.plainOptions(dir, 3, 2);
            var data = DemoData.prepare(options, dir.resolve("data"));
            var spec = new HashMap<String, Object>(
                    data.studySpec(options, DemoPrivacy.calibrate(PrivacyMode.PRIVACY_MODE_NONE, 1, 2, List.of())));
            spec.put("minSites", 3);
            spec.put("roundTimeoutSeconds", 120);
            spec.putAll(SecureAggregationIntegrationTest.SECURE);
            String studyId =
                    cluster.client(1).studies().create(spec).get("studyId").asString();
            for (int i = 0; i < 3; i++) {
                var site = data.sites().get(i);
                cluster.startAgent(
                        site,
                        dir.resolve("agents"),
                        studyId,
                        new Dl4jLearner(site.dataFile()),
                        i,
                        (i + 1) % 3,
                        (i + 2) % 3);
            }
            cluster.awaitConnected(3);
            for (int r = 0; r < 3; r++) {
                assertThat(cluster.client(r).status().get("connectedHere").asInt())
                        .isEqualTo(1);
            }
            cluster.client(2).studies().start(studyId);
            JsonNode study = cluster.awaitStudyEnd(0, studyId);
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : cluster.client(0).studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("COMPLETED");
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("detail").asString()).contains("3 of 3");
                    assertThat(r.get("reported").size()).isEqualTo(3);
                }
            }
            assertThat(cluster.client(0).audit().verify().get("valid").asBoolean())
                    .isTrue();
        }
    }
}
