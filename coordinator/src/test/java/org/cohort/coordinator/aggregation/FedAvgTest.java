package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.cohort.coordinator.aggregation.RandomUpdates.Update;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class FedAvgTest {

    /** The textbook formula, computed in one pass over whole vectors. */
    private static double[] batchWeightedMean(List<Update> updates, int n) {
        double[] mean = new double[n];
        double total = 0;
        for (Update u : updates) {
            total += u.weight();
        }
        for (Update u : updates) {
            for (int i = 0; i < n; i++) {
                mean[i] += u.weight() * (double) u.values()[i] / total;
            }
        }
        return mean;
    }

    @RepeatedTest(20)
    void streamingChunksInAnyOrderEqualsBatchWeightedMean() {
        var rnd = new SplittableRandom(System.nanoTime());
        int n = rnd.nextInt(1, 5000);
        int sites = rnd.nextInt(1, 12);
        var updates = RandomUpdates.generate(rnd, sites, n);
        var sum = new WeightedSum(n);
        int chunk = rnd.nextInt(1, n + 1);
        // interleave chunks of different sites, as concurrent streams would
        var work = new ArrayList<Runnable>();
        for (Update u : updates) {
            for (int off = 0; off < n; off += chunk) {
                int from = off;
                int count = Math.min(chunk, n - off);
                float[] slice = java.util.Arrays.copyOfRange(u.values(), from, from + count);
                work.add(() -> sum.addChunk(u.weight(), from, slice, count));
            }
            work.add(() -> sum.completeContribution(u.weight()));
        }
        Collections.shuffle(work, new java.util.Random(rnd.nextLong()));
        work.forEach(Runnable::run);

        double[] expected = batchWeightedMean(updates, n);
        float[] actual = sum.mean();
        for (int i = 0; i < n; i++) {
            assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-6 * Math.max(1, Math.abs(expected[i]))));
        }
        assertThat(sum.contributions()).isEqualTo(sites);
    }

    @Test
    void equalWeightsGiveThePlainMean() {
        var sum = new WeightedSum(2);
        sum.addChunk(5, 0, new float[] {1, 4}, 2);
        sum.completeContribution(5);
        sum.addChunk(5, 0, new float[] {3, 0}, 2);
        sum.completeContribution(5);
        assertThat(sum.mean()).containsExactly(2f, 2f);
    }

    @Test
    void siteWithMoreExamplesPullsTheMeanProportionally() {
        var sum = new WeightedSum(1);
        sum.addChunk(300, 0, new float[] {1}, 1);
        sum.completeContribution(300);
        sum.addChunk(100, 0, new float[] {-1}, 1);
        sum.completeContribution(100);
        assertThat(sum.mean()[0]).isEqualTo(0.5f);
    }

    @Test
    void fedAvgAddsMeanDeltaToGlobal() {
        var fedAvg = new FedAvg(1.0);
        var sum = fedAvg.newAccumulator(3);
        sum.addChunk(1, 0, new float[] {0.5f, -1f, 0f}, 3);
        sum.completeContribution(1);
        assertThat(fedAvg.nextGlobal(new float[] {1, 1, 1}, sum)).containsExactly(1.5f, 0f, 1f);
    }

    /**
     * DP-FedAvg through the merge's reused buffers (a partly filled last chunk, the model written
     * over the global chunk): the mean plus noise of standard deviation z·C / reports, every
     * coordinate its own draw; the allocating form leaves the caller's sum as it was.
     */
    @Test
    void dpFedAvgStepsInPlaceWithNoiseOfTheAccountedScale() {
        int n = 200_000;
        int chunk = 65_536;
        int reports = 4;
        var step = new DpFedAvg(2.0, 1.5).step(reports, reports);
        float[] global = new float[chunk];
        double[] sum = new double[chunk];
        double sq = 0;
        double mean = 0;
        for (int off = 0; off < n; off += chunk) {
            int count = Math.min(chunk, n - off);
            java.util.Arrays.fill(global, 0, count, 1f);
            java.util.Arrays.fill(sum, 0, count, 8.0); // a mean update of 2
            step.next(global, sum, count, global);
            for (int i = 0; i < count; i++) {
                double noise = global[i] - 3.0;
                mean += noise;
                sq += noise * noise;
            }
        }
        mean /= n;
        assertThat(mean).isCloseTo(0, within(0.01));
        assertThat(Math.sqrt(sq / n - mean * mean)).isCloseTo(1.5 * 2.0 / reports, within(0.01));

        double[] whole = {8.0, 8.0, 8.0};
        float[] next = new DpFedAvg(2.0, 1.5).step(reports, reports).next(new float[] {1, 1, 1}, whole);
        assertThat(whole).containsExactly(8.0, 8.0, 8.0);
        assertThat(next).doesNotContain(3f);
    }

    @Test
    void rejectsChunkOutsideModel() {
        var sum = new WeightedSum(4);
        assertThatThrownBy(() -> sum.addChunk(1, 3, new float[] {1, 2}, 2))
                .hasMessageContaining("outside the model of 4 parameters");
    }

    @Test
    void refusesToAverageNothing() {
        assertThatThrownBy(() -> new WeightedSum(3).mean()).hasMessageContaining("no contribution");
    }

    @Test
    void unknownStrategyNamesTheAvailableOnes() {
        assertThatThrownBy(() -> Strategy.named("fedsomething")).hasMessageContaining("available: [fedavg, fedadam");
    }
}
