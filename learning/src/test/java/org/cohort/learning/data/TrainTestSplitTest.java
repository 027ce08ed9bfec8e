package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainTestSplitTest {

    /** 100 rows whose single feature is the row number; 30 positives. */
    static final TabularDataset DATA = numbered(100, 30);

    @Test
    void splitIsDeterministicForSeed() {
        SplitData a = TrainTestSplit.split(DATA, 0.2, 5);
        SplitData b = TrainTestSplit.split(DATA, 0.2, 5);
        SplitData other = TrainTestSplit.split(DATA, 0.2, 6);

        assertThat(ids(a.test())).isEqualTo(ids(b.test()));
        assertThat(ids(a.train())).isEqualTo(ids(b.train()));
        assertThat(ids(a.test())).isNotEqualTo(ids(other.test()));
    }

    @Test
    void splitPartitionsAllRowsWithoutOverlap() {
        SplitData split = TrainTestSplit.split(DATA, 0.25, 1);

        Set<Integer> all = new HashSet<>(ids(split.train()));
        all.addAll(ids(split.test()));
        assertThat(split.train().size() + split.test().size()).isEqualTo(100);
        assertThat(all).hasSize(100);
    }

    @Test
    void splitIsStratifiedByLabel() {
        SplitData split = TrainTestSplit.split(DATA, 0.2, 3);

        assertThat(split.test().classCounts()).containsExactly(14, 6); // 20 % of 70 and of 30
        assertThat(split.train().classCounts()).containsExactly(56, 24);
    }

    @Test
    void splitKeepsFileOrderWithinEachPart() {
        SplitData split = TrainTestSplit.split(DATA, 0.3, 9);

        assertThat(ids(split.train())).isSorted();
        assertThat(ids(split.test())).isSorted();
    }

    @Test
    void rejectsFractionsThatLeaveAPartEmpty() {
        assertThatThrownBy(() -> TrainTestSplit.split(DATA, 0, 1)).hasMessageContaining("strictly between 0 and 1");
        assertThatThrownBy(() -> TrainTestSplit.split(DATA, 1, 1)).hasMessageContaining("strictly between 0 and 1");
    }

    static TabularDataset numbered(int n, int positives) {
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = new float[] {i};
            y[i] = i % (n / positives) == 0 && i / (n / positives) < positives ? 1 : 0;
        }
        return new TabularDataset(x, y, 2);
    }

    static List<Integer> ids(TabularDataset data) {
        return Arrays.stream(data.features()).map(row -> (int) row[0]).toList();
    }
}
