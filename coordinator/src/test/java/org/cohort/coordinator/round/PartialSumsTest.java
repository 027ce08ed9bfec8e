package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialSumsTest {
    private static final int N = 70_000; // more than one slice of a small window, not a multiple of anything

    @TempDir
    Path dir;

    private Path spool(String name, float[] values) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return Files.write(dir.resolve(name), buf.array());
    }

    private static float[] random(SplittableRandom rnd) {
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 3)));
        }
        return v;
    }

    private static PartialSums.Contribution contribution(String site, long weight) {
        return new PartialSums.Contribution(site, weight, new byte[0]);
    }

    @Test
    void memoryMappedPartialSumsEqualTheHeapOnesBitForBit() throws IOException {
        var rnd = new SplittableRandom(7);
        float[] a = random(rnd);
        float[] b = random(rnd);
        var heap = new PartialSums("m", dir.resolve("heap"), Long.MAX_VALUE);
        var mapped = new PartialSums("m", dir.resolve("mapped"), 1);
        for (var sums : new PartialSums[] {heap, mapped}) {
            assertThat(sums.fold("r", N, () -> true, contribution("a", 3), spool("a.f32", a)))
                    .isTrue();
            assertThat(sums.fold("r", N, () -> true, contribution("b", 5), spool("b.f32", b)))
                    .isTrue();
            var sealed = sums.seal("r");
            assertThat(sealed.totalWeight()).isEqualTo(8);
            assertThat(sealed.contributions())
                    .extracting(PartialSums.Contribution::siteId)
                    .containsExactly("a", "b");
            assertThat(sealed.broken()).isFalse();
        }
        assertThat(Files.list(dir.resolve("mapped")).count()).isEqualTo(1); // the sum lives in a file
        var expected = new WeightedSum(N);
        expected.addChunk(3, 0, a, N);
        expected.addChunk(5, 0, b, N);
        for (long offset = 0; offset < N; offset += 30_000) {
            int count = (int) Math.min(30_000, N - offset);
            assertThat(mapped.slice("r", offset, count)).containsExactly(expected.slice(offset, count));
            assertThat(heap.slice("r", offset, count)).containsExactly(expected.slice(offset, count));
        }
        mapped.discard("r");
        assertThat(Files.list(dir.resolve("mapped")).count()).isEqualTo(1); // kept for the next round
        mapped.close();
        assertThat(Files.list(dir.resolve("mapped")).count()).isZero(); // and deleted when the replica stops
    }

    private static double[] merged(PartialSums sums, String round, int n) {
        double[] into = new double[n];
        for (long offset = 0; offset < n; offset += 30_000) {
            int count = (int) Math.min(30_000, n - offset);
            double[] part = new double[count];
            sums.addSlice(round, offset, part, count);
            System.arraycopy(part, 0, into, (int) offset, count);
        }
        return into;
    }

    @Test
    void roundAfterRoundTheFileIsReusedAndTheSumsEqualTheHeapFoldBitForBit() throws IOException {
        var rnd = new SplittableRandom(8);
        var heap = new PartialSums("m", dir.resolve("heap"), Long.MAX_VALUE);
        var mapped = new PartialSums("m", dir.resolve("mapped"), 1);
        Path file = null;
        for (int round = 0; round < 3; round++) {
            int n = round == 1 ? N / 3 : N; // a smaller model between two larger ones
            String r = "r" + round;
            for (String site : new String[] {"a", "b", "c"}) {
                float[] v = java.util.Arrays.copyOf(random(rnd), n);
                long w = rnd.nextLong(1, 1000);
                for (var sums : new PartialSums[] {heap, mapped}) {
                    assertThat(sums.fold(r, n, () -> true, contribution(site, w), spool(site + ".f32", v)))
                            .isTrue();
                }
            }
            heap.seal(r);
            mapped.seal(r);
            assertThat(merged(mapped, r, n)).containsExactly(merged(heap, r, n));
            try (var files = Files.list(dir.resolve("mapped"))) {
                Path now = files.toList().stream()
                        .filter(f -> f.toString().endsWith(".f64"))
                        .findFirst()
                        .orElseThrow();
                assertThat(file == null || now.equals(file))
                        .as("round " + round + " reuses the file")
                        .isTrue();
                file = now;
            }
            heap.discard(r);
            mapped.discard(r);
            assertThat(mapped.idleSumFiles()).isEqualTo(1);
        }
        mapped.close();
        heap.close();
    }

    @Test
    void aRoundSumsOnTheHeapWhileTheBudgetHasRoomForIt() throws IOException {
        float[] v = random(new SplittableRandom(3));
        var sums = new PartialSums("m", dir.resolve("p"), N * 8L); // room for one sum of N
        assertThat(sums.fold("r1", N, () -> true, contribution("a", 1), spool("a.f32", v)))
                .isTrue();
        assertThat(sums.heapInUse()).isEqualTo(N * 8L);
        assertThat(sums.fold("r2", N, () -> true, contribution("a", 1), spool("b.f32", v)))
                .isTrue();
        assertThat(sums.heapInUse()).as("the second open round goes to a file").isEqualTo(N * 8L);
        assertThat(Files.list(dir.resolve("p")).count()).isEqualTo(1);
        sums.discard("r1");
        assertThat(sums.heapInUse())
                .as("kept, to be zeroed for the next round of its size")
                .isEqualTo(N * 8L);
        assertThat(sums.fold("r3", N, () -> true, contribution("a", 1), spool("c.f32", v)))
                .isTrue();
        assertThat(sums.heapInUse()).isEqualTo(N * 8L);
        sums.seal("r2");
        sums.seal("r3");
        double[] expected = merged(sums, "r2", N);
        assertThat(merged(sums, "r3", N))
                .as("the reused heap sum starts from zero")
                .containsExactly(expected);
        sums.discard("r3");
        // A model of another size does not get the kept sum, which goes to make room.
        float[] half = Arrays.copyOf(v, N / 2);
        assertThat(sums.fold("r4", N / 2, () -> true, contribution("a", 1), spool("d.f32", half)))
                .isTrue();
        assertThat(sums.heapInUse()).isEqualTo(N / 2 * 8L);
        sums.seal("r4");
        assertThat(merged(sums, "r4", N / 2)).containsExactly(Arrays.copyOf(expected, N / 2));
        sums.close();
        assertThat(sums.heapInUse()).isZero();
        assertThat(Files.list(dir.resolve("p")).count()).isZero();
    }

    @Test
    void anUploadArrivingAfterTheSealIsRefusedAndNotCounted() throws IOException {
        var sums = new PartialSums("m", dir.resolve("p"), Long.MAX_VALUE);
        float[] v = random(new SplittableRandom(1));
        assertThat(sums.fold("r", N, () -> true, contribution("a", 1), spool("a.f32", v)))
                .isTrue();
        sums.seal("r");
        assertThat(sums.fold("r", N, () -> true, contribution("b", 1), spool("b.f32", v)))
                .isFalse();
        assertThat(sums.seal("r").contributions()).hasSize(1);
        // A round the driver already marked as aggregating refuses uploads even before the seal reaches it.
        assertThat(sums.fold("other", N, () -> false, contribution("a", 1), spool("c.f32", v)))
                .isFalse();
        assertThat(sums.holders("other")).isEmpty();
        assertThat(sums.rounds())
                .as("a refused upload leaves no partial sum behind")
                .containsExactly("r");
        // Spool files are consumed either way.
        assertThat(Files.exists(dir.resolve("a.f32"))).isFalse();
    }

    @Test
    void aLateUploadOfALargeModelCreatesNoSumFile() throws IOException {
        var sums = new PartialSums("m", dir.resolve("mapped"), 1);
        assertThat(sums.fold("closed", N, () -> false, contribution("a", 1), spool("a.f32", new float[N])))
                .isFalse();
        assertThat(Files.exists(dir.resolve("mapped"))).isFalse();
        assertThat(sums.rounds()).isEmpty();
    }

    @Test
    void discardingEveryRoundFreesTheSumFiles() throws IOException {
        var sums = new PartialSums("m", dir.resolve("mapped"), 1);
        sums.fold("r1", N, () -> true, contribution("a", 1), spool("a.f32", new float[N]));
        sums.fold("r2", N, () -> true, contribution("a", 1), spool("b.f32", new float[N]));
        assertThat(Files.list(dir.resolve("mapped")).count()).isEqualTo(2);
        sums.discardAll();
        assertThat(Files.list(dir.resolve("mapped")).count()).isZero();
        assertThat(sums.rounds()).isEmpty();
    }

    @Test
    void aSiteIsHeldOnceAndASliceBeforeTheSealIsRefused() throws IOException {
        var sums = new PartialSums("m", dir.resolve("p"), Long.MAX_VALUE);
        float[] v = random(new SplittableRandom(2));
        sums.fold("r", N, () -> true, contribution("a", 1), spool("a.f32", v));
        assertThatThrownBy(() -> sums.fold("r", N, () -> true, contribution("a", 1), spool("a2.f32", v)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already contributed");
        assertThatThrownBy(() -> sums.slice("r", 0, 10)).hasMessageContaining("not sealed");
        assertThatThrownBy(() -> sums.slice("nothing", 0, 10)).hasMessageContaining("holds no partial sum");
    }

    @Test
    void aSpoolThatCannotBeReadBackMarksThePartialSumBroken() throws IOException {
        var sums = new PartialSums("m", dir.resolve("p"), Long.MAX_VALUE);
        Path shortSpool = spool("short.f32", new float[N / 2]);
        assertThatThrownBy(() -> sums.fold("r", N, () -> true, contribution("a", 1), shortSpool))
                .hasMessageContaining("ended early");
        var sealed = sums.seal("r");
        assertThat(sealed.broken()).isTrue(); // the driver retries the round rather than publish a half sum
        assertThat(sealed.contributions()).isEmpty();
    }
}
