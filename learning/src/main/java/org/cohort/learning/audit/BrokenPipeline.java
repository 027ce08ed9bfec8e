package org.cohort.learning.audit;

import java.util.ArrayList;
import java.util.Random;
import java.util.stream.IntStream;
import org.cohort.learning.data.FeatureColumn;
import org.cohort.learning.data.RowKeys;
import org.cohort.learning.data.SitePipeline;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.data.TabularSchema;

/**
 * Deliberately broken pipelines, kept so that an audit can show it sees a leak: an audit that
 * cannot catch a known bug proves nothing. Never used to train anything that leaves a site.
 */
public enum BrokenPipeline {

    /** The site's real pipeline. */
    NONE("none: the site's pipeline as it runs"),

    /**
     * DP-SGD adds one thousandth of the noise the accountant charges, as a bug dividing σ by the
     * batch size or forgetting to multiply by C could: the claim stays, the noise goes.
     */
    NOISE("noise: DP-SGD adds σ/1000 of noise while the accountant still charges σ"),

    /**
     * The split sites ran before: each class shuffled with one seed and its first
     * round(fraction × n_c) rows held out, so every row's side depends on every other row.
     */
    SPLIT("split: one seeded shuffle of the whole table decides train and test (every row's side depends on"
            + " every other row)"),

    /** Numeric columns standardised with the mean and deviation of the site's own training rows. */
    SCALING("scaling: numeric columns standardised with the site's own training statistics (one patient's"
            + " value shifts every other patient's features)");

    /** Scale of the noise actually added under {@link #NOISE}. */
    static final double NOISE_FACTOR = 1e-3;

    private final String description;

    BrokenPipeline(String description) {
        this.description = description;
    }

    /** One line: what is broken. */
    public String description() {
        return description;
    }

    /**
     * The schema a {@link #SCALING}-broken site loads with: its continuous columns (not the 0/1
     * ones) standardised from data instead of by the study's declared centre and scale.
     */
    public static TabularSchema standardisedFromData(TabularSchema declared) {
        var columns = new ArrayList<FeatureColumn>();
        for (FeatureColumn column : declared.features()) {
            boolean binary = column instanceof FeatureColumn.Numeric n
                    && n.center() != null
                    && n.center() == 0
                    && n.scale() != null
                    && n.scale() == 1;
            columns.add(
                    column instanceof FeatureColumn.Numeric && !binary
                            ? FeatureColumn.locallyStandardised(column.name())
                            : column);
        }
        return new TabularSchema(
                columns,
                declared.labelColumn(),
                declared.labelRule(),
                declared.idColumn(),
                declared.survival(),
                declared.regression());
    }

    /** The split sites used before {@code SplitRule}: see {@link #SPLIT}. */
    public record SeededShuffle(double testFraction, long seed) implements SitePipeline {
        @Override
        public SplitData split(TabularDataset data, RowKeys keys) {
            Random random = new Random(seed);
            boolean[] inTest = new boolean[data.size()];
            for (int c = 0; c < data.numClasses(); c++) {
                int label = c;
                int[] members = IntStream.range(0, data.size())
                        .filter(i -> data.labels()[i] == label)
                        .toArray();
                for (int i = members.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int tmp = members[i];
                    members[i] = members[j];
                    members[j] = tmp;
                }
                int testCount = (int) Math.round(testFraction * members.length);
                for (int i = 0; i < testCount; i++) {
                    inTest[members[i]] = true;
                }
            }
            return new SplitData(
                    data.select(IntStream.range(0, data.size())
                            .filter(i -> !inTest[i])
                            .toArray()),
                    data.select(IntStream.range(0, data.size())
                            .filter(i -> inTest[i])
                            .toArray()));
        }

        @Override
        public SplitData preprocess(SplitData split) {
            return split; // declared scaling only: the split alone is broken
        }
    }
}
