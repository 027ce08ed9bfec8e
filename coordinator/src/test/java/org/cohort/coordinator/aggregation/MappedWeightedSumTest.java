package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.cohort.coordinator.aggregation.MappedWeightedSum.UpdateFile;
import org.cohort.coordinator.aggregation.RandomUpdates.Update;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MappedWeightedSumTest {

    /** 8 parameters per window: every test below crosses many windows. */
    private static final int SMALL_WINDOW = 64;

    @TempDir
    Path dir;

    private MappedWeightedSum newSum(long n) throws IOException {
        return new MappedWeightedSum(dir, n, SMALL_WINDOW);
    }

    private Path writeFloats(String name, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Path file = dir.resolve(name);
        Files.write(file, bytes.array());
        return file;
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    private static double[] sumOf(MappedWeightedSum sum) throws IOException {
        double[] values = new double[(int) sum.numParameters()];
        sum.readSum(0, values, values.length);
        return values;
    }

    /** Feeds every update to both accumulators in the same random chunks, interleaved across sites. */
    private static void feedChunks(
            List<Update> updates, int n, SplittableRandom rnd, WeightedSum heap, MappedWeightedSum mapped)
            throws IOException {
        record Chunk(Update update, int from, int count) {}
        var work = new ArrayList<Chunk>();
        for (Update u : updates) {
            int from = 0;
            while (from < n) {
                int count = Math.min(rnd.nextInt(1, 40), n - from);
                work.add(new Chunk(u, from, count));
                from += count;
            }
        }
        Collections.shuffle(work, new java.util.Random(rnd.nextLong()));
        for (Chunk c : work) {
            float[] slice = Arrays.copyOfRange(c.update().values(), c.from(), c.from() + c.count());
            heap.addChunk(c.update().weight(), c.from(), slice, c.count());
            mapped.addChunk(c.update().weight(), c.from(), slice, c.count());
        }
        for (Update u : updates) {
            heap.completeContribution(u.weight());
            mapped.completeContribution(u.weight());
        }
    }

    @RepeatedTest(10)
    void chunksGiveBitIdenticalSumAndMeanToWeightedSum() throws IOException {
        var rnd = new SplittableRandom(System.nanoTime());
        int n = rnd.nextInt(1, 400);
        var updates = RandomUpdates.generate(rnd, rnd.nextInt(1, 8), n);
        var heap = new WeightedSum(n);
        try (var mapped = newSum(n)) {
            feedChunks(updates, n, rnd, heap, mapped);

            assertThat(sumOf(mapped)).containsExactly(heap.sum());
            assertThat(mapped.totalWeight()).isEqualTo(heap.totalWeight());
            assertThat(mapped.contributions()).isEqualTo(heap.contributions());
            Path mean = dir.resolve("mean.f32");
            mapped.writeMean(mean);
            assertThat(Files.size(mean)).isEqualTo(4L * n);
            assertThat(readFloats(mean)).containsExactly(heap.mean());
        }
    }

    @RepeatedTest(5)
    void updateFilesOneByOneOrAllAtOnceGiveTheSameSumAsChunks() throws IOException {
        var rnd = new SplittableRandom(System.nanoTime());
        int n = rnd.nextInt(1, 300);
        var updates = RandomUpdates.generate(rnd, rnd.nextInt(1, 6), n);
        var heap = new WeightedSum(n);
        var files = new ArrayList<UpdateFile>();
        for (int s = 0; s < updates.size(); s++) {
            Update u = updates.get(s);
            heap.addChunk(u.weight(), 0, u.values(), n);
            heap.completeContribution(u.weight());
            files.add(new UpdateFile(writeFloats("site" + s + ".f32", u.values()), u.weight()));
        }
        try (var oneByOne = newSum(n);
                var onePass = newSum(n)) {
            for (UpdateFile f : files) {
                oneByOne.addUpdateFile(f.weight(), f.file());
            }
            onePass.addUpdateFiles(files);

            assertThat(sumOf(oneByOne)).containsExactly(heap.sum());
            assertThat(sumOf(onePass)).containsExactly(heap.sum());
            assertThat(onePass.contributions()).isEqualTo(updates.size());
            assertThat(onePass.totalWeight()).isEqualTo(heap.totalWeight());
        }
    }

    @Test
    void filesFoldedIntoWindowsSomeOfWhichAlreadyHoldChunksMatchWeightedSum() throws IOException {
        // Windows no chunk touched take the fold's write() path, the others the mapped one.
        var rnd = new SplittableRandom(5);
        int n = 8 * 6 + 5;
        var updates = RandomUpdates.generate(rnd, 3, n);
        updates.get(1).values()[2] = -0.0f; // into a still-zero window: 0.0 + (-0.0) must stay +0.0
        updates.get(2).values()[2] = -0.0f;
        var heap = new WeightedSum(n);
        try (var mapped = newSum(n)) {
            float[] chunk = Arrays.copyOfRange(updates.get(0).values(), 17, 27); // windows 2 and 3
            heap.addChunk(7, 17, chunk, chunk.length);
            mapped.addChunk(7, 17, chunk, chunk.length);
            heap.completeContribution(7);
            mapped.completeContribution(7);
            var files = new ArrayList<UpdateFile>();
            for (int s = 1; s < 3; s++) {
                Update u = updates.get(s);
                heap.addChunk(u.weight(), 0, u.values(), n);
                heap.completeContribution(u.weight());
                files.add(new UpdateFile(writeFloats("site" + s + ".f32", u.values()), u.weight()));
            }
            mapped.addUpdateFile(files.get(0).weight(), files.get(0).file());
            mapped.addUpdateFiles(List.of(files.get(1)));

            double[] actual = sumOf(mapped);
            assertThat(actual).containsExactly(heap.sum());
            assertThat(Double.doubleToRawLongBits(actual[2])).isEqualTo(Double.doubleToRawLongBits(heap.sum()[2]));
            mapped.writeMean(dir.resolve("mean.f32"));
            assertThat(readFloats(dir.resolve("mean.f32"))).containsExactly(heap.mean());
        }
    }

    @Test
    void defaultWindowWorksForASmallModel() throws IOException {
        var rnd = new SplittableRandom(7);
        var updates = RandomUpdates.generate(rnd, 3, 1000);
        var heap = new WeightedSum(1000);
        try (var mapped = new MappedWeightedSum(dir, 1000)) {
            feedChunks(updates, 1000, rnd, heap, mapped);
            assertThat(sumOf(mapped)).containsExactly(heap.sum());
        }
    }

    @RepeatedTest(5)
    void arrivalOrderDoesNotChangeTheMeanAtFloatPrecision() throws IOException {
        var rnd = new SplittableRandom(System.nanoTime());
        int n = rnd.nextInt(1, 300);
        var updates = RandomUpdates.generate(rnd, rnd.nextInt(2, 10), n);
        var reversed = new ArrayList<>(updates);
        Collections.reverse(reversed);
        try (var forward = newSum(n);
                var backward = newSum(n)) {
            feedChunks(updates, n, rnd, new WeightedSum(n), forward);
            feedChunks(reversed, n, rnd, new WeightedSum(n), backward);
            forward.writeMean(dir.resolve("forward.f32"));
            backward.writeMean(dir.resolve("backward.f32"));
            float[] a = readFloats(dir.resolve("forward.f32"));
            float[] b = readFloats(dir.resolve("backward.f32"));
            for (int i = 0; i < n; i++) {
                // float64 sums in another order differ in the last double bits only, which
                // rounding to float32 hides (or moves by one unit at a rounding tie)
                assertThat(Math.abs(a[i] - b[i])).isLessThanOrEqualTo(Math.ulp(a[i]));
            }
        }
    }

    @Test
    void chunksStraddlingWindowsAndEndingAtTheLastParameter() throws IOException {
        int n = 8 * 5 + 3; // five full windows of 8 and a partial one of 3
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        try (var sum = newSum(n)) {
            sum.addChunk(1, 6, ones, 4); // [6, 10): last two of window 0, first two of window 1
            sum.addChunk(2, 8, ones, 8); // exactly window 1
            sum.addChunk(3, 15, ones, 18); // [15, 33): windows 1 to 4
            sum.addChunk(4, n - 5, ones, 5); // [38, 43): end of window 4 and the partial last window
            sum.addChunk(5, 0, ones, n); // everything
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = 5
                        + (i >= 6 && i < 10 ? 1 : 0)
                        + (i >= 8 && i < 16 ? 2 : 0)
                        + (i >= 15 && i < 33 ? 3 : 0)
                        + (i >= n - 5 ? 4 : 0);
            }
            assertThat(sumOf(sum)).containsExactly(expected);
            double[] slice = new double[12];
            sum.readSum(5, slice, 12); // readSum across windows too
            assertThat(slice).containsExactly(Arrays.copyOfRange(expected, 5, 17));
        }
    }

    @Test
    void nextGlobalIsComputedExactlyAsFedAvg() throws IOException {
        var rnd = new SplittableRandom(11);
        int n = 77;
        var updates = RandomUpdates.generate(rnd, 4, n);
        float[] global = new float[n];
        for (int i = 0; i < n; i++) {
            global[i] = (float) rnd.nextGaussian();
        }
        var heap = new WeightedSum(n);
        try (var mapped = newSum(n)) {
            feedChunks(updates, n, rnd, heap, mapped);
            Path globalFile = writeFloats("global.f32", global);
            for (double lr : new double[] {1.0, 0.3}) {
                Path next = dir.resolve("next-" + lr + ".f32");
                mapped.writeNextGlobal(globalFile, lr, next);
                assertThat(readFloats(next)).containsExactly(new FedAvg(lr).nextGlobal(global, heap));
            }
        }
    }

    @Test
    void writingTheMeanReplacesAnExistingFile() throws IOException {
        Path out = writeFloats("mean.f32", new float[100]);
        try (var sum = newSum(3)) {
            sum.addChunk(2, 0, new float[] {1, 2, 3}, 3);
            sum.completeContribution(2);
            sum.writeMean(out);
        }
        assertThat(readFloats(out)).containsExactly(1f, 2f, 3f);
    }

    // ---- bad inputs: each is refused with a clear message and leaves the sum as it was ----------

    /** A sum over 20 parameters (three windows) holding one contribution, and a snapshot of it. */
    private MappedWeightedSum populated() throws IOException {
        var sum = newSum(20);
        float[] values = new float[20];
        for (int i = 0; i < 20; i++) {
            values[i] = i * 0.5f - 3;
        }
        sum.addChunk(3, 0, values, 20);
        sum.completeContribution(3);
        return sum;
    }

    private static void assertUnchanged(MappedWeightedSum sum) throws IOException {
        double[] expected = new double[20];
        for (int i = 0; i < 20; i++) {
            expected[i] = 3 * (double) (i * 0.5f - 3);
        }
        assertThat(sumOf(sum)).containsExactly(expected);
        assertThat(sum.totalWeight()).isEqualTo(3);
        assertThat(sum.contributions()).isEqualTo(1);
    }

    @Test
    void rejectsChunksOutsideTheModel() throws IOException {
        try (var sum = populated()) {
            float[] two = {1, 2};
            assertThatThrownBy(() -> sum.addChunk(1, 19, two, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunk [19, 21) lies outside the model of 20 parameters");
            assertThatThrownBy(() -> sum.addChunk(1, -1, two, 2)).hasMessageContaining("outside the model");
            assertThatThrownBy(() -> sum.addChunk(1, Long.MAX_VALUE, two, 2)).hasMessageContaining("outside the model");
            assertThatThrownBy(() -> sum.addChunk(1, 0, two, 3))
                    .hasMessageContaining("count 3 is not within the chunk's 2 values");
            assertThatThrownBy(() -> sum.addChunk(1, 0, two, -1)).hasMessageContaining("count -1");
            assertUnchanged(sum);
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void rejectsNonFiniteChunkValuesNamingTheOffsetAndAddsNothing(float bad) throws IOException {
        try (var sum = populated()) {
            float[] values = new float[14];
            Arrays.fill(values, 1f);
            values[11] = bad; // chunk [4, 18) spans windows 0, 1 and 2; the bad value sits in window 1
            assertThatThrownBy(() -> sum.addChunk(2, 4, values, 14))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("parameter offset 15 is " + bad)
                    .hasMessageContaining("nothing was added");
            assertUnchanged(sum);
        }
    }

    @Test
    void valuesBeyondTheCountAreNotChecked() throws IOException {
        try (var sum = newSum(4)) {
            sum.addChunk(1, 0, new float[] {1, 2, Float.NaN}, 2);
            assertThat(sumOf(sum)).containsExactly(1, 2, 0, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void rejectsNonPositiveWeights(long weight) throws IOException {
        try (var sum = populated()) {
            Path update = writeFloats("u.f32", new float[20]);
            assertThatThrownBy(() -> sum.addChunk(weight, 0, new float[] {1}, 1))
                    .hasMessageContaining("weight must be positive, got " + weight);
            assertThatThrownBy(() -> sum.completeContribution(weight)).hasMessageContaining("weight must be positive");
            assertThatThrownBy(() -> sum.addUpdateFile(weight, update)).hasMessageContaining("weight must be positive");
            assertThatThrownBy(() ->
                            sum.addUpdateFiles(List.of(new UpdateFile(update, 1), new UpdateFile(update, weight))))
                    .hasMessageContaining("weight must be positive");
            assertUnchanged(sum);
        }
    }

    @Test
    void rejectsUpdateFilesOfTheWrongLength() throws IOException {
        try (var sum = populated()) {
            Path ragged = dir.resolve("ragged.f32");
            Files.write(ragged, new byte[81]);
            assertThatThrownBy(() -> sum.addUpdateFile(1, ragged))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is 81 bytes, not a whole number of float32 values");
            Path shorter = writeFloats("short.f32", new float[19]);
            assertThatThrownBy(() -> sum.addUpdateFile(1, shorter))
                    .hasMessageContaining("holds 19 float32 values but the model has 20 parameters");
            Path longer = writeFloats("long.f32", new float[21]);
            assertThatThrownBy(() -> sum.addUpdateFile(1, longer)).hasMessageContaining("holds 21 float32 values");
            assertThatThrownBy(() -> sum.addUpdateFile(1, dir.resolve("missing.f32")))
                    .isInstanceOf(IOException.class);
            assertUnchanged(sum);
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void rejectsNonFiniteUpdateFilesNamingFileAndOffset(float bad) throws IOException {
        try (var sum = populated()) {
            float[] values = new float[20];
            Arrays.fill(values, 1f);
            values[17] = bad; // in the last window: the earlier windows must not have been added
            Path update = writeFloats("bad.f32", values);
            assertThatThrownBy(() -> sum.addUpdateFile(5, update))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("update file " + update)
                    .hasMessageContaining("parameter offset 17 is " + bad);
            assertUnchanged(sum);
        }
    }

    @Test
    void oneBadFileInAOnePassFoldAddsNoneOfThem() throws IOException {
        try (var sum = populated()) {
            float[] good = new float[20];
            Arrays.fill(good, 2f);
            float[] bad = good.clone();
            bad[3] = Float.NaN;
            var files = List.of(
                    new UpdateFile(writeFloats("good.f32", good), 1), new UpdateFile(writeFloats("bad.f32", bad), 1));
            assertThatThrownBy(() -> sum.addUpdateFiles(files)).hasMessageContaining("parameter offset 3 is NaN");
            var wrongLength = List.of(files.get(0), new UpdateFile(writeFloats("short.f32", new float[5]), 1));
            assertThatThrownBy(() -> sum.addUpdateFiles(wrongLength)).hasMessageContaining("holds 5 float32 values");
            assertUnchanged(sum);
        }
    }

    @Test
    void refusesToAverageNothingAndChecksTheGlobalModel() throws IOException {
        try (var empty = newSum(20)) {
            assertThatThrownBy(() -> empty.writeMean(dir.resolve("m.f32")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no contribution");
            assertThat(dir.resolve("m.f32")).doesNotExist();
        }
        try (var sum = populated()) {
            Path global = writeFloats("global.f32", new float[20]);
            assertThatThrownBy(
                            () -> sum.writeNextGlobal(writeFloats("g19.f32", new float[19]), 1, dir.resolve("n.f32")))
                    .hasMessageContaining("global model file")
                    .hasMessageContaining("holds 19 float32 values");
            assertThatThrownBy(() -> sum.writeNextGlobal(global, 0, dir.resolve("n.f32")))
                    .hasMessageContaining("server learning rate must be a positive number");
            assertThatThrownBy(() -> sum.writeNextGlobal(global, Double.NaN, dir.resolve("n.f32")))
                    .hasMessageContaining("server learning rate");
            assertThatThrownBy(() -> sum.writeNextGlobal(global, 1, global))
                    .hasMessageContaining("must go to a new file");
            assertThat(readFloats(global)).containsExactly(new float[20]);
            assertUnchanged(sum);
        }
    }

    @Test
    void rejectsReadsOutsideTheModel() throws IOException {
        try (var sum = populated()) {
            assertThatThrownBy(() -> sum.readSum(15, new double[10], 6)).hasMessageContaining("does not fit");
            assertThatThrownBy(() -> sum.readSum(0, new double[3], 4)).hasMessageContaining("does not fit");
        }
    }

    @Test
    void refusesAModelTheDiskCannotHoldNamingDirectoryAndBytes() throws IOException {
        long parameters = 1L << 50; // 8 PiB of float64: no test machine has it
        assertThatThrownBy(() -> new MappedWeightedSum(dir, parameters))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not enough disk space in " + dir.toAbsolutePath())
                .hasMessageContaining("needs " + (parameters * 8) + " bytes (8.0 PiB)");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void rejectsBadSizes() {
        assertThatThrownBy(() -> new MappedWeightedSum(dir, 0)).hasMessageContaining("number of parameters");
        assertThatThrownBy(() -> new MappedWeightedSum(dir, Long.MAX_VALUE))
                .hasMessageContaining("number of parameters");
        assertThatThrownBy(() -> new MappedWeightedSum(dir, 10, 12)).hasMessageContaining("multiple of 8");
        assertThatThrownBy(() -> new MappedWeightedSum(dir.resolve("absent"), 10))
                .isInstanceOf(IOException.class);
    }

    @Test
    void closeDeletesTheBackingFileAndIsIdempotent() throws IOException {
        var sum = populated();
        Path backing = sum.backingFile();
        assertThat(backing).exists().hasParent(dir);
        assertThat(Files.size(backing)).isEqualTo(20 * 8);
        sum.close();
        assertThat(backing).doesNotExist();
        sum.close();
        assertThatThrownBy(() -> sum.addChunk(1, 0, new float[] {1}, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> sum.writeMean(dir.resolve("m.f32"))).hasMessageContaining("closed");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void untouchedParametersAreZero() throws IOException {
        try (var sum = newSum(30)) {
            sum.addChunk(2, 12, new float[] {1.5f}, 1);
            sum.completeContribution(2);
            double[] expected = new double[30];
            expected[12] = 3;
            assertThat(sumOf(sum)).containsExactly(expected);
            sum.writeMean(dir.resolve("m.f32"));
            float[] mean = readFloats(dir.resolve("m.f32"));
            assertThat(mean[12]).isEqualTo(1.5f);
            assertThat(mean[11]).isZero();
        }
    }
}
