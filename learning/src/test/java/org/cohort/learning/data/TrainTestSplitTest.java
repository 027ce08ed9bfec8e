package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainTestSplitTest {

    /** 400 rows whose first feature is the row number; 120 positives. */
    static final TabularDataset DATA = numbered(400, 120);

    static final SplitKey KEY = key(1);

    @Test
    void removingOnePatientMovesNoOtherPatient() {
        SplitRule rule = new SplitRule.Keyed(KEY, 0.25, 5);
        Set<Integer> test = new HashSet<>(
                ids(TrainTestSplit.split(DATA, RowKeys.content(), rule).test()));

        for (int removed = 0; removed < DATA.size(); removed++) {
            TabularDataset neighbour = without(DATA, removed);
            Set<Integer> neighbourTest = new HashSet<>(
                    ids(TrainTestSplit.split(neighbour, RowKeys.content(), rule).test()));
            Set<Integer> expected = new HashSet<>(test);
            expected.remove(removed);
            assertThat(neighbourTest)
                    .as("test rows after removing row %d", removed)
                    .isEqualTo(expected);
        }
    }

    @Test
    void addingOnePatientMovesNoOtherPatient() {
        SplitRule rule = new SplitRule.Keyed(KEY, 0.25, 5);
        TabularDataset bigger =
                TabularDataset.concat(List.of(DATA, new TabularDataset(new float[][] {{1000f, 1f}}, new int[] {1}, 2)));

        List<Integer> before =
                ids(TrainTestSplit.split(DATA, RowKeys.content(), rule).test());
        List<Integer> after = new ArrayList<>(
                ids(TrainTestSplit.split(bigger, RowKeys.content(), rule).test()));
        after.remove(Integer.valueOf(1000));

        assertThat(after).isEqualTo(before);
    }

    @Test
    void testPartIsAboutTheRequestedFraction() {
        TabularDataset many = numbered(8000, 2000);
        for (double fraction : new double[] {0.1, 0.25, 0.5}) {
            SplitData split = TrainTestSplit.split(many, RowKeys.content(), new SplitRule.Keyed(KEY, fraction, 3));
            // Binomial: the standard deviation of the fraction is at most 0.0056 at n = 8000; allow 4 of them.
            assertThat((double) split.test().size() / many.size())
                    .isCloseTo(fraction, org.assertj.core.api.Assertions.within(0.0225));
        }
    }

    @Test
    void differentSiteSecretsGiveDifferentSplits() {
        SplitData a = TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Keyed(KEY, 0.25, 5));
        SplitData b = TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Keyed(key(2), 0.25, 5));

        Set<Integer> shared = new HashSet<>(ids(a.test()));
        shared.retainAll(ids(b.test()));
        // Independent splits share about a quarter of the test rows, never all of them.
        assertThat(shared.size()).isLessThan(a.test().size() / 2);
    }

    @Test
    void sameSecretAndSeedGiveTheSameSplitEveryTime() {
        SplitData a = TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Keyed(key(1), 0.2, 5));
        SplitData b = TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Keyed(key(1), 0.2, 5));
        SplitData otherSeed = TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Keyed(key(1), 0.2, 6));

        assertThat(ids(a.test())).isEqualTo(ids(b.test()));
        assertThat(ids(a.test())).isNotEqualTo(ids(otherSeed.test()));
    }

    @Test
    void splitPartitionsAllRowsAndKeepsFileOrder() {
        SplitData split = TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Keyed(KEY, 0.3, 9));

        Set<Integer> all = new HashSet<>(ids(split.train()));
        all.addAll(ids(split.test()));
        assertThat(all).hasSize(DATA.size());
        assertThat(split.train().size() + split.test().size()).isEqualTo(DATA.size());
        assertThat(ids(split.train())).isSorted();
        assertThat(ids(split.test())).isSorted();
    }

    @Test
    void rowsOfOnePatientIdStayTogether() {
        // Four rows per patient, with different content: the id decides, not the content.
        List<String> patients = new ArrayList<>();
        for (int i = 0; i < DATA.size(); i++) {
            patients.add("patient-" + i / 4);
        }
        SplitData split = TrainTestSplit.split(DATA, RowKeys.patientIds(patients), new SplitRule.Keyed(KEY, 0.25, 5));

        for (int row : ids(split.test())) {
            assertThat(ids(split.test())).contains(row / 4 * 4, row / 4 * 4 + 1, row / 4 * 4 + 2, row / 4 * 4 + 3);
        }
    }

    @Test
    void publishedSplitIsUsedAsGiven() {
        List<String> patients = new ArrayList<>();
        for (int i = 0; i < DATA.size(); i++) {
            patients.add("p" + i);
        }
        SplitData split = TrainTestSplit.split(
                DATA,
                RowKeys.patientIds(patients),
                new SplitRule.Published(Set.of("p3", "p7", "p399", "not-at-this-site")));

        assertThat(ids(split.test())).containsExactly(3, 7, 399);
        assertThatThrownBy(() -> TrainTestSplit.split(DATA, RowKeys.content(), new SplitRule.Published(Set.of("p3"))))
                .hasMessageContaining("idColumn");
    }

    @Test
    void rejectsFractionsThatLeaveAPartEmpty() {
        assertThatThrownBy(() -> new SplitRule.Keyed(KEY, 0, 1)).hasMessageContaining("strictly between 0 and 1");
        assertThatThrownBy(() -> new SplitRule.Keyed(KEY, 1, 1)).hasMessageContaining("strictly between 0 and 1");
    }

    @Test
    void refusesShortSecretsAndNeverPrintsOne() {
        assertThatThrownBy(() -> SplitKey.of(new byte[16])).hasMessageContaining("at least 32 bytes");
        assertThat(KEY.toString()).doesNotContain("1");
    }

    static SplitKey key(int fill) {
        byte[] secret = new byte[SplitKey.SECRET_BYTES];
        Arrays.fill(secret, (byte) fill);
        return SplitKey.of(secret);
    }

    static TabularDataset numbered(int n, int positives) {
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % (n / positives) == 0 && i / (n / positives) < positives ? 1 : 0;
            x[i] = new float[] {i, y[i]};
        }
        return new TabularDataset(x, y, 2);
    }

    static TabularDataset without(TabularDataset data, int removed) {
        int[] kept = java.util.stream.IntStream.range(0, data.size())
                .filter(i -> i != removed)
                .toArray();
        return data.select(kept);
    }

    static List<Integer> ids(TabularDataset data) {
        return Arrays.stream(data.features()).map(row -> (int) row[0]).toList();
    }
}
