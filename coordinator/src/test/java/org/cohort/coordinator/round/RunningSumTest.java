package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three places a partial sum can live give the same answers where they overlap. */
class RunningSumTest {
    @TempDir
    Path dir;

    private Path spool(String name, float... values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return Files.write(dir.resolve(name), b.array());
    }

    private Path ringSpool(String name, int... values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return Files.write(dir.resolve(name), b.array());
    }

    @Test
    void heapAndMappedSumsAgreeAndTheSpoolsAreConsumed() throws Exception {
        RunningSum.Weighted heap = RunningSum.weighted(3, Long.MAX_VALUE, dir.resolve("sums"));
        RunningSum.Weighted mapped = RunningSum.weighted(3, 1, dir.resolve("sums"));
        assertThat(heap).isInstanceOf(RunningSum.Heap.class);
        assertThat(mapped).isInstanceOf(RunningSum.Mapped.class);
        for (RunningSum.Weighted sum : new RunningSum.Weighted[] {heap, mapped}) {
            Path a = spool("a", 1f, 2f, 3f);
            Path b = spool("b", -1f, 0.5f, 4f);
            sum.add(2, a, 3);
            sum.add(3, b, 3);
            assertThat(a).doesNotExist();
            assertThat(b).doesNotExist();
            assertThat(sum.slice(0, 3)).containsExactly(2 * 1 - 3, 2 * 2 + 1.5, 2 * 3 + 12);
            assertThat(sum.slice(1, 2)).containsExactly(5.5, 18);
        }
        mapped.close();
        try (var files = Files.list(dir.resolve("sums"))) {
            assertThat(files).as("a mapped sum's file goes with it").isEmpty();
        }
    }

    @Test
    void aRingSumAddsModuloTwoToThe32() throws Exception {
        RunningSum.Ring ring = RunningSum.ring(2);
        ring.add(1, ringSpool("x", Integer.MAX_VALUE, -5), 2);
        ring.add(1, ringSpool("y", 2, 7), 2);
        assertThat(ring.slice(0, 2)).containsExactly(Integer.MIN_VALUE + 1, 2);
    }
}
