package org.cohort.learning.data;

import java.util.Objects;

/**
 * How a site turns its table into the rows it trains and evaluates on, in two steps that an
 * audit can watch separately: the split (which rows go where; rows are shared, not copied) and
 * the preprocessing (what each row becomes; order kept within each part).
 */
public interface SitePipeline {

    /** Splits {@code data} into training and test rows (the same row objects, in file order). */
    SplitData split(TabularDataset data, RowKeys keys);

    /** Preprocesses both parts, keeping each part's size and order. */
    SplitData preprocess(SplitData split);

    /** Both steps. */
    default SplitData prepare(TabularDataset data, RowKeys keys) {
        return preprocess(split(data, keys));
    }

    /** The site's pipeline: {@code rule}'s split, then the schema's scaling as {@code policy} allows. */
    static SitePipeline of(TabularSchema schema, SplitRule rule, PreprocessingPolicy policy) {
        return new Standard(schema, rule, policy);
    }

    /**
     * The pipeline every site runs (see {@link SplitData#prepare}): the policy is checked first,
     * so a differentially private study never reaches {@link Standardisation#fit}.
     */
    record Standard(TabularSchema schema, SplitRule rule, PreprocessingPolicy policy) implements SitePipeline {
        public Standard {
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(policy, "policy");
            policy.check(schema);
        }

        @Override
        public SplitData split(TabularDataset data, RowKeys keys) {
            return TrainTestSplit.split(data, keys, rule);
        }

        @Override
        public SplitData preprocess(SplitData split) {
            Standardisation standardisation = Standardisation.fit(split.train(), schema);
            return new SplitData(standardisation.apply(split.train()), standardisation.apply(split.test()));
        }
    }
}
