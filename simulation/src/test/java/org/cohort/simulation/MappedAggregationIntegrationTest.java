package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path a billion-parameter model takes — partial sums in memory-mapped files, the next model
 * written chunk by chunk — switched on for a small model (threshold of one parameter): the
 * federation trains the same model, bit for bit, as with sums on the heap.
 */
class MappedAggregationIntegrationTest {

    @Test
    void memoryMappedAggregationGivesTheSameModelAsTheHeap(@TempDir Path dir) throws Exception {
        float[] heap = run(dir.resolve("heap"));
        float[] mapped = run(dir.resolve("mapped"), "--cohort.coordinator.heap-sum-bytes=1");
        assertThat(mapped).containsExactly(heap);
        assertThat(Files.list(dir.resolve("mapped").resolve("coordinator").resolve("partial-sums"))
                        .count())
                .as("partial-sum files are deleted with their round")
                .isZero();
    }

    private static float[] run(Path dir, String... properties) throws Exception {
        try (var fed = new TestFederation(dir, 2, properties)) {
            return TestCluster.finalModel(fed.api, fed.runStudy(2), dir);
        }
    }
}
