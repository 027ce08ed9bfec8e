package org.cohort.learning.data;

/** A site's examples split into the part it trains on and the part it evaluates on. */
public record SplitData(TabularDataset train, TabularDataset test) {

    /**
     * How a site prepares its data for a study: split row by row (see {@link TrainTestSplit}),
     * then fit the standardisation of the schema's locally standardised columns on the training
     * part only and apply it to both parts, so that no test row influences training.
     */
    public static SplitData prepare(TabularDataset all, RowKeys keys, TabularSchema schema, SplitRule rule) {
        SplitData split = TrainTestSplit.split(all, keys, rule);
        Standardisation standardisation = Standardisation.fit(split.train(), schema);
        return new SplitData(standardisation.apply(split.train()), standardisation.apply(split.test()));
    }

    /** {@link #prepare(TabularDataset, RowKeys, TabularSchema, SplitRule)} for a loaded table and its own keys. */
    public static SplitData prepare(LoadedTable table, TabularSchema schema, SplitRule rule) {
        return prepare(table.dataset(), table.rowKeys(), schema, rule);
    }
}
