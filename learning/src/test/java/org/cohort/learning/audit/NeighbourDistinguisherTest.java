package org.cohort.learning.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.cohort.learning.data.FeatureColumn;
import org.cohort.learning.data.LabelRule;
import org.cohort.learning.data.NeighbourAudit;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.learning.data.RowKeys;
import org.cohort.learning.data.SitePipeline;
import org.cohort.learning.data.SplitRule;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.data.TabularSchema;
import org.junit.jupiter.api.Test;

/**
 * The distinguisher's choices made before any run: which neighbour, where the outlier lies, and
 * the threshold. Its runs on real data are in {@link PipelineAuditTest}.
 */
class NeighbourDistinguisherTest {

    /** 60 rows: a continuous column (-3 to 2.9), a 0/1 column, a one-hot pair; label = the 0/1 column. */
    static final TabularDataset DATA = table(60);

    static final TabularSchema SCHEMA = new TabularSchema(
            List.of(
                    FeatureColumn.numeric("x", 0, 1),
                    FeatureColumn.numeric("b", 0, 1),
                    FeatureColumn.categorical("c", "p", "q")),
            "y",
            LabelRule.classIndex(2));
    static final SitePipeline KEYED = SitePipeline.of(
            SCHEMA, new SplitRule.Keyed(PipelineAudit.auditSplitKey(3), 0.25, 7), PreprocessingPolicy.DECLARED_ONLY);

    @Test
    void theOutlierLiesFarOutsideTheContinuousColumnsAndKeepsTheOthersValid() {
        var neighbour = NeighbourDistinguisher.withOutlier(DATA, RowKeys.content(), KEYED);

        assertThat(neighbour.data().size()).isEqualTo(DATA.size() + 1);
        float[] outlier = neighbour.data().features()[DATA.size()];
        int template = Integer.parseInt(neighbour.description().replaceAll(".*row (\\d+).*", "$1"));
        float[] original = DATA.features()[template];
        assertThat(outlier[0]).isEqualTo((float) (NeighbourDistinguisher.OUTLIER_FACTOR * 3));
        assertThat(Arrays.copyOfRange(outlier, 1, 4))
                .as("0/1 and one-hot columns as in the copied row")
                .containsExactly(original[1], original[2], original[3]);
        assertThat(neighbour.data().labels()[DATA.size()]).isEqualTo(DATA.labels()[template]);
        assertThat(Arrays.stream(
                        KEYED.split(neighbour.data(), neighbour.keys()).train().features()))
                .as("the outlier reaches training")
                .anyMatch(row -> row == outlier);
    }

    @Test
    void theOutlierGetsAPatientIdOfItsOwnWhereRowsHaveIds() {
        List<String> ids =
                IntStream.range(0, DATA.size()).mapToObj(i -> "p" + i).toList();

        var neighbour = NeighbourDistinguisher.withOutlier(DATA, RowKeys.patientIds(ids), KEYED);

        List<String> longer = ((RowKeys.PatientIds) neighbour.keys()).ids();
        assertThat(longer).hasSize(DATA.size() + 1).startsWith(ids.toArray(String[]::new));
        assertThat(longer.getLast()).startsWith("cohort-audit-outlier-");
    }

    @Test
    void aRowIsRemovedWithItsPatientId() {
        List<String> ids =
                IntStream.range(0, DATA.size()).mapToObj(i -> "p" + i).toList();

        var neighbour = NeighbourDistinguisher.withoutRow(DATA, RowKeys.patientIds(ids), 4);

        assertThat(neighbour.data().size()).isEqualTo(DATA.size() - 1);
        assertThat(Arrays.stream(neighbour.data().features())).noneMatch(row -> row == DATA.features()[4]);
        assertThat(((RowKeys.PatientIds) neighbour.keys()).ids())
                .hasSize(DATA.size() - 1)
                .doesNotContain("p4");
        assertThat(neighbour.description()).isEqualTo("without row 4");
    }

    @Test
    void aSplitThatMovesRowsLosesItsWorstRowAndAnyOtherPipelineGainsAnOutlier() {
        var shuffle = new BrokenPipeline.SeededShuffle(0.25, 3);
        NeighbourAudit.Result moved = NeighbourAudit.removeEachRow(DATA, RowKeys.content(), shuffle);
        NeighbourAudit.Result none = NeighbourAudit.removeEachRow(DATA, RowKeys.content(), KEYED);

        assertThat(NeighbourDistinguisher.worstNeighbour(DATA, RowKeys.content(), shuffle, moved)
                        .description())
                .isEqualTo("without row " + moved.worstRemovedRow());
        assertThat(NeighbourDistinguisher.worstNeighbour(DATA, RowKeys.content(), KEYED, none)
                        .description())
                .startsWith("plus one outlier");
    }

    @Test
    void theThresholdLiesBetweenTheWorldsAndStaysAtTheMidpointWhenNothingSeparatesThem() {
        var settings = new NeighbourDistinguisher.Settings(5, 100, 1e-5, 0.95, 1);
        double[] d = {-2, -1, 0, 1, 2};
        double[] dPrime = {4, 5, 6, 7, 8};

        assertThat(NeighbourDistinguisher.threshold(d, dPrime, settings)).isStrictlyBetween(0.0, 6.0);
        assertThat(NeighbourDistinguisher.threshold(d, d.clone(), settings)).isZero();
    }

    private static TabularDataset table(int n) {
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            boolean p = i % 3 == 0;
            x[i] = new float[] {i / 10f - 3, y[i], p ? 1 : 0, p ? 0 : 1};
        }
        return new TabularDataset(x, y, 2);
    }
}
