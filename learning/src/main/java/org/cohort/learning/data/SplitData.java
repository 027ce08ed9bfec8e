package org.cohort.learning.data;

/** A site's examples split into the part it trains on and the part it evaluates on. */
public record SplitData(TabularDataset train, TabularDataset test) {

    /**
     * How a site prepares its data for a study: check that {@code policy} allows the schema's
     * preprocessing, split row by row (see {@link TrainTestSplit}), then fit the standardisation
     * of the schema's locally standardised columns (if the policy allows any) on the training
     * part only and apply it to both parts, so that no test row influences training.
     *
     * @throws PreprocessingPolicy.DataDependentPreprocessingException when the policy forbids it
     */
    public static SplitData prepare(
            TabularDataset all, RowKeys keys, TabularSchema schema, SplitRule rule, PreprocessingPolicy policy) {
        return SitePipeline.of(schema, rule, policy).prepare(all, keys);
    }

    /** {@link #prepare(TabularDataset, RowKeys, TabularSchema, SplitRule, PreprocessingPolicy)} with the table's keys. */
    public static SplitData prepare(
            LoadedTable table, TabularSchema schema, SplitRule rule, PreprocessingPolicy policy) {
        return prepare(table.dataset(), table.rowKeys(), schema, rule, policy);
    }
}
