package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.cohort.coordinator.aggregation.RandomUpdates.Update;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sum files reused round after round give exactly the sums of fresh ones and of the heap. */
class SumFilePoolTest {
    /** 8 parameters per window. */
    private static final int SMALL_WINDOW = 64;

    @TempDir
    Path dir;

    private Path writeFloats(String name, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return Files.write(dir.resolve(name), bytes.array());
    }

    private static double[] sumOf(MappedWeightedSum sum) throws IOException {
        double[] values = new double[(int) sum.numParameters()];
        sum.readSum(0, values, values.length);
        return values;
    }

    private static double[] heapSum(List<Update> updates, int n) {
        var heap = new WeightedSum(n);
        for (Update u : updates) {
            heap.addChunk(u.weight(), 0, u.values(), n);
            heap.completeContribution(u.weight());
        }
        return heap.sum();
    }

    /** One round: each update folded as the coordinator folds a spool; returns the sum and the file it used. */
    private Path round(SumFilePool pool, List<Update> updates, int n, int window, double[] expected)
            throws IOException {
        try (var sum = new MappedWeightedSum(pool, n, window)) {
            int i = 0;
            for (Update u : updates) {
                sum.addSpooledUpdate(u.weight(), writeFloats("u" + i++ + ".f32", u.values()));
            }
            assertThat(sumOf(sum)).containsExactly(expected);
            double[] merged = new double[n];
            sum.addSumTo(0, merged, n);
            assertThat(merged).containsExactly(expected);
            return sum.backingFile();
        }
    }

    @Test
    void aSecondRoundReusesTheFileAndSumsBitForBitAsTheHeap() throws IOException {
        var rnd = new SplittableRandom(11);
        int n = 1000;
        try (var pool = new SumFilePool(dir.resolve("sums"), 1)) {
            List<Update> first = RandomUpdates.generate(rnd, 3, n);
            List<Update> second = RandomUpdates.generate(rnd, 3, n);
            Path a = round(pool, first, n, SMALL_WINDOW, heapSum(first, n));
            assertThat(a).exists();
            assertThat(pool.idleFiles()).isEqualTo(1);
            Path b = round(pool, second, n, SMALL_WINDOW, heapSum(second, n));
            assertThat(b)
                    .as("the second round writes into the first round's file")
                    .isEqualTo(a);
            // and with the default (large) window, where the whole model is one window
            Path c = round(pool, first, n, MappedWeightedSum.DEFAULT_WINDOW_BYTES, heapSum(first, n));
            assertThat(c).isEqualTo(a);
        }
        try (Stream<Path> left = Files.list(dir.resolve("sums"))) {
            assertThat(left).as("closing the pool deletes its files").isEmpty();
        }
    }

    @Test
    void aSmallerModelAfterALargerOneIsExactAndItsUntouchedParametersAreZero() throws IOException {
        var rnd = new SplittableRandom(12);
        try (var pool = new SumFilePool(dir.resolve("sums"), 1)) {
            List<Update> large = RandomUpdates.generate(rnd, 2, 100);
            Path file = round(pool, large, 100, SMALL_WINDOW, heapSum(large, 100));
            List<Update> small = RandomUpdates.generate(rnd, 2, 37);
            assertThat(round(pool, small, 37, SMALL_WINDOW, heapSum(small, 37))).isEqualTo(file);
            // Chunks into a reused file: the parameters no chunk reaches read as zeros, not as the old sum.
            try (var sum = new MappedWeightedSum(pool, 50, SMALL_WINDOW)) {
                assertThat(sum.backingFile()).isEqualTo(file);
                sum.addChunk(2, 12, new float[] {1.5f, -3f}, 2);
                sum.completeContribution(2);
                double[] expected = new double[50];
                expected[12] = 3;
                expected[13] = -6;
                assertThat(sumOf(sum)).containsExactly(expected);
                sum.writeMean(dir.resolve("mean.f32"));
                ByteBuffer mean = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("mean.f32")))
                        .order(ByteOrder.LITTLE_ENDIAN);
                assertThat(mean.getFloat(12 * 4)).isEqualTo(1.5f);
                assertThat(mean.getFloat(11 * 4)).isZero();
                assertThat(mean.getFloat(49 * 4)).isZero();
            }
            // A larger model again grows the file, and is exact everywhere.
            List<Update> larger = RandomUpdates.generate(rnd, 3, 301);
            assertThat(round(pool, larger, 301, SMALL_WINDOW, heapSum(larger, 301)))
                    .isEqualTo(file);
            assertThat(Files.size(file)).isEqualTo(301 * 8);
        }
    }

    @Test
    void aSpooledUpdateEqualsTheCheckedFoldAndABadValueLeavesTheSumUnusable() throws IOException {
        var rnd = new SplittableRandom(13);
        int n = 90;
        List<Update> updates = RandomUpdates.generate(rnd, 2, n);
        try (var checked = new MappedWeightedSum(dir, n, SMALL_WINDOW);
                var spooled = new MappedWeightedSum(dir, n, SMALL_WINDOW)) {
            for (Update u : updates) {
                checked.addUpdateFile(u.weight(), writeFloats("c.f32", u.values()));
                spooled.addSpooledUpdate(u.weight(), writeFloats("s.f32", u.values()));
            }
            assertThat(sumOf(spooled)).containsExactly(sumOf(checked));
            assertThat(spooled.totalWeight()).isEqualTo(checked.totalWeight());
            float[] bad = updates.get(0).values().clone();
            bad[70] = Float.NaN;
            Path badFile = writeFloats("bad.f32", bad);
            assertThatThrownBy(() -> spooled.addSpooledUpdate(1, badFile))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("70");
            assertThatThrownBy(() -> spooled.readSum(0, new double[1], 1)).hasMessageContaining("unusable");
        }
    }

    @Test
    void aBrokenSumsFileIsNotPooledAndAFullPoolDeletes() throws IOException {
        try (var pool = new SumFilePool(dir.resolve("sums"), 1)) {
            var a = new MappedWeightedSum(pool, 10, SMALL_WINDOW);
            var b = new MappedWeightedSum(pool, 10, SMALL_WINDOW);
            Path fileB = b.backingFile();
            a.close();
            b.close();
            assertThat(pool.idleFiles()).isEqualTo(1);
            assertThat(fileB).doesNotExist();
            var c = new MappedWeightedSum(pool, 10, SMALL_WINDOW);
            float[] values = new float[10];
            values[3] = Float.POSITIVE_INFINITY;
            Path bad = writeFloats("bad.f32", values);
            assertThatThrownBy(() -> c.addSpooledUpdate(1, bad)).isInstanceOf(IllegalArgumentException.class);
            Path fileC = c.backingFile();
            c.close();
            assertThat(fileC).doesNotExist();
            assertThat(pool.idleFiles()).isZero();
        }
    }
}
