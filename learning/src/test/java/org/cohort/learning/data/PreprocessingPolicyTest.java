package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PreprocessingPolicyTest {

    /** Raw blood pressure (declared: (mmHg - 130) / 20, or standardised from the site's rows) and a 0/1 column. */
    static final TabularSchema DECLARED = new TabularSchema(
            List.of(FeatureColumn.numeric("trestbps", 130, 20), FeatureColumn.numeric("sex", 0, 1)),
            "num",
            LabelRule.positiveIfGreaterThan(0));

    static final TabularSchema FROM_DATA = new TabularSchema(
            List.of(FeatureColumn.locallyStandardised("trestbps"), FeatureColumn.numeric("sex", 0, 1)),
            "num",
            LabelRule.positiveIfGreaterThan(0));
    static final SplitRule RULE = new SplitRule.Keyed(TrainTestSplitTest.key(7), 0.25, 1);

    @Test
    void inADpStudyOnePatientsOutlierChangesNoOtherPatientsFeatures() {
        TabularDataset site = bloodPressures(300);
        TabularDataset withOutlier = replaceRow(site, 17, new float[] {(3000f - 130) / 20, 1});

        var difference = NeighbourAudit.compare(
                site,
                RowKeys.content(),
                withOutlier,
                RowKeys.content(),
                SitePipeline.of(DECLARED, RULE, PreprocessingPolicy.DECLARED_ONLY));

        assertThat(difference).isEqualTo(new NeighbourAudit.Difference(0, 0));
    }

    @Test
    void standardisingFromTheSitesRowsLetsOneOutlierShiftEveryOtherPatient() {
        // What a DP study without declared statistics did before: the leak the policy now refuses.
        TabularDataset site = bloodPressures(300);
        TabularDataset withOutlier = replaceRow(site, 17, new float[] {3000f, 1});

        var difference = NeighbourAudit.compare(
                site,
                RowKeys.content(),
                withOutlier,
                RowKeys.content(),
                SitePipeline.of(FROM_DATA, RULE, PreprocessingPolicy.DATA_STATISTICS_ALLOWED));

        assertThat(difference.rowsMoved()).isZero();
        assertThat(difference.rowsChanged()).isEqualTo(site.size() - 1);
    }

    @Test
    void aDpStudyRefusesStandardisationFromTheSitesData() {
        assertThatThrownBy(() -> SitePipeline.of(FROM_DATA, RULE, PreprocessingPolicy.DECLARED_ONLY))
                .isInstanceOfSatisfying(
                        PreprocessingPolicy.DataDependentPreprocessingException.class,
                        e -> assertThat(e.columns()).containsExactly("trestbps"))
                .hasMessageContaining("\"center\" and \"scale\"")
                .hasMessageContaining("published reference range");
        assertThatThrownBy(() -> SplitData.prepare(
                        bloodPressures(10), RowKeys.content(), FROM_DATA, RULE, PreprocessingPolicy.DECLARED_ONLY))
                .hasMessageContaining("trestbps");
    }

    @Test
    void studiesWithoutDpMayStillStandardiseFromData() {
        assertThat(PreprocessingPolicy.forStudy(true)).isEqualTo(PreprocessingPolicy.DATA_STATISTICS_ALLOWED);
        assertThat(PreprocessingPolicy.forStudy(false)).isEqualTo(PreprocessingPolicy.DECLARED_ONLY);
        assertThat(SplitData.prepare(
                                bloodPressures(40),
                                RowKeys.content(),
                                FROM_DATA,
                                RULE,
                                PreprocessingPolicy.DATA_STATISTICS_ALLOWED)
                        .train()
                        .size())
                .isPositive();
    }

    static TabularDataset bloodPressures(int n) {
        Random random = new Random(n);
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = new float[] {(float) (130 + 18 * random.nextGaussian()), i % 2};
            y[i] = random.nextInt(2);
        }
        return new TabularDataset(x, y, 2);
    }

    /** A copy sharing every row object except {@code row}, which is replaced. */
    static TabularDataset replaceRow(TabularDataset data, int row, float[] replacement) {
        float[][] rows = data.features().clone();
        rows[row] = replacement;
        return new TabularDataset(rows, data.labels(), data.numClasses());
    }
}
