package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The path a billion-parameter model takes — partial sums in memory-mapped files, the next model
 * written chunk by chunk — switched on for a small model (threshold of one parameter): the
 * federation trains the same model, bit for bit, as with sums on the heap.
 */
class MappedAggregationIntegrationTest {

    @Test
    void memoryMappedAggregationGivesTheSameModelAsTheHeap(@TempDir Path dir) throws Exception {
        float[] heap = run(dir.resolve("heap"));
        float[] mapped = run(dir.resolve("mapped"), "--cohort.coordinator.mapped-sum-parameters=1");
        assertThat(mapped).containsExactly(heap);
        assertThat(Files.list(dir.resolve("mapped").resolve("coordinator").resolve("partial-sums")).count())
                .as("partial-sum files are deleted with their round").isZero();
    }

    private static float[] run(Path dir, String... properties) throws Exception {
        try (var fed = new TestFederation(dir, 2, properties)) {
            String studyId = fed.createStudy(2, 2, 60);
            fed.startAgent(0, studyId, null);
            fed.startAgent(1, studyId, null);
            fed.awaitConnected(2);
            fed.api.post("/api/studies/" + studyId + "/start", null);
            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            return TestCluster.finalModel(fed.api, studyId, dir);
        }
    }
}
