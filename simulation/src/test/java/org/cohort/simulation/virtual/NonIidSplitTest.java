package org.cohort.simulation.virtual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NonIidSplitTest {
    private static int[] labels(int n, long seed) {
        Random random = new Random(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextDouble() < 0.4 ? 1 : 0;
        }
        return labels;
    }

    @Test
    void aPartitionDealsEveryRowExactlyOnceInTheGivenSizes() {
        int[] labels = labels(5000, 1);
        int[] sizes = NonIidSplit.sizes(200, labels.length, 1.0, 2);
        int[][] sites = NonIidSplit.partition(labels, 2, sizes, 0.3, 3);

        assertThat(Arrays.stream(sizes).sum()).isEqualTo(labels.length);
        assertThat(Arrays.stream(sizes).min().orElseThrow()).isGreaterThanOrEqualTo(1);
        int[] seen = new int[labels.length];
        for (int s = 0; s < sites.length; s++) {
            assertThat(sites[s]).hasSize(sizes[s]);
            for (int row : sites[s]) {
                seen[row]++;
            }
        }
        assertThat(seen).containsOnly(1);
    }

    @Test
    void theSameSeedGivesTheSameSplitAndAnotherSeedAnother() {
        int[] labels = labels(3000, 4);
        int[] sizes = NonIidSplit.sizes(100, labels.length, 0.5, 5);
        assertThat(NonIidSplit.sizes(100, labels.length, 0.5, 5)).isEqualTo(sizes);
        assertThat(NonIidSplit.partition(labels, 2, sizes, 1.0, 6))
                .isDeepEqualTo(NonIidSplit.partition(labels, 2, sizes, 1.0, 6));
        assertThat(Arrays.deepEquals(
                        NonIidSplit.partition(labels, 2, sizes, 1.0, 7),
                        NonIidSplit.partition(labels, 2, sizes, 1.0, 6)))
                .isFalse();
    }

    @Test
    void aSmallAlphaSkewsTheLabelsAndAnInfiniteOneDoesNot() {
        int[] labels = labels(20_000, 8);
        int[] sizes = NonIidSplit.sizes(200, labels.length, 0, 9);
        assertThat(Arrays.stream(sizes).max().orElseThrow()
                        - Arrays.stream(sizes).min().orElseThrow())
                .isLessThanOrEqualTo(1);
        double skewed = meanMajorityShare(labels, NonIidSplit.partition(labels, 2, sizes, 0.1, 10));
        double iid = meanMajorityShare(labels, NonIidSplit.partition(labels, 2, sizes, Double.POSITIVE_INFINITY, 10));
        assertThat(skewed).isGreaterThan(0.9);
        assertThat(iid).isBetween(0.55, 0.7); // 0.6 overall, plus sampling spread
    }

    @Test
    void refusesSizesThatDoNotSumToTheRows() {
        assertThatThrownBy(() -> NonIidSplit.partition(new int[10], 2, new int[] {4, 5}, 1, 1))
                .hasMessageContaining("sum to 9 but there are 10 rows");
        assertThatThrownBy(() -> NonIidSplit.sizes(11, 10, 0, 1)).hasMessageContaining("at least one row");
    }

    private static double meanMajorityShare(int[] labels, int[][] sites) {
        double sum = 0;
        for (int[] site : sites) {
            long ones = Arrays.stream(site).filter(r -> labels[r] == 1).count();
            sum += Math.max(ones, site.length - ones) / (double) site.length;
        }
        return sum / sites.length;
    }
}
