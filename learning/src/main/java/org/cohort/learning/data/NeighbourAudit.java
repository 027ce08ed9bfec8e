package org.cohort.learning.data;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The neighbouring-table audit of a site's split and preprocessing: for each row r, run the
 * pipeline on the table and on the table without r, and count the other rows whose side (train
 * or test) or whose preprocessed features differ. A pipeline fit for row-level DP changes
 * nothing but r's own output; a seeded shuffle of the whole table, or standardisation with the
 * site's own statistics, changes many rows.
 */
public final class NeighbourAudit {

    private NeighbourAudit() {}

    /**
     * What removing one row did to the others.
     *
     * @param neighbours the neighbouring tables tried (one per removed row)
     * @param maxRowsMoved most other rows that changed side for one removal
     * @param maxRowsChanged most other rows whose preprocessed features changed for one removal
     *     (moved rows count here too)
     * @param meanRowsMoved other rows that changed side, averaged over the removals
     * @param worstRemovedRow the row whose removal changed the most others (-1 when none did)
     */
    public record Result(
            int neighbours, int maxRowsMoved, int maxRowsChanged, double meanRowsMoved, int worstRemovedRow) {

        /** True when no removal changed any other row's side or features. */
        public boolean passes() {
            return maxRowsMoved == 0 && maxRowsChanged == 0;
        }

        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%d neighbouring tables (one row removed each): other rows"
                            + " moved between train and test: at most %d, %.1f on average; other rows whose features changed:"
                            + " at most %d%s",
                    neighbours,
                    maxRowsMoved,
                    meanRowsMoved,
                    maxRowsChanged,
                    passes() ? "" : " (worst: removing row " + worstRemovedRow + ")");
        }
    }

    /**
     * Audits {@code pipeline} on {@code data} and every table with one row removed. Rows are told
     * apart by identity (the split shares row objects), so identical rows are fine.
     */
    public static Result removeEachRow(TabularDataset data, RowKeys keys, SitePipeline pipeline) {
        Map<float[], Output> full = outputs(data, keys, pipeline);
        int maxMoved = 0;
        int maxChanged = 0;
        int worst = -1;
        long totalMoved = 0;
        for (int removed = 0; removed < data.size(); removed++) {
            int r = removed;
            int[] kept = IntStream.range(0, data.size()).filter(i -> i != r).toArray();
            Difference d = difference(full, outputs(data.select(kept), keys.without(r), pipeline));
            if (d.rowsChanged() > maxChanged || d.rowsMoved() > maxMoved) {
                worst = removed;
            }
            maxMoved = Math.max(maxMoved, d.rowsMoved());
            totalMoved += d.rowsMoved();
            maxChanged = Math.max(maxChanged, d.rowsChanged());
        }
        return new Result(
                data.size(), maxMoved, maxChanged, data.size() == 0 ? 0 : (double) totalMoved / data.size(), worst);
    }

    /**
     * What differs between two tables' outputs for the rows they share (the same row objects):
     * for a table and a copy with one row replaced (an outlier, say), every count should be 0.
     *
     * @param rowsMoved shared rows on a different side
     * @param rowsChanged shared rows whose side or preprocessed features differ
     */
    public record Difference(int rowsMoved, int rowsChanged) {}

    /** Compares the pipeline's outputs on {@code a} and {@code b} over the rows they share. */
    public static Difference compare(
            TabularDataset a, RowKeys keysA, TabularDataset b, RowKeys keysB, SitePipeline pipeline) {
        return difference(outputs(a, keysA, pipeline), outputs(b, keysB, pipeline));
    }

    private static Difference difference(Map<float[], Output> a, Map<float[], Output> b) {
        int moved = 0;
        int changed = 0;
        for (var entry : a.entrySet()) {
            Output after = b.get(entry.getKey());
            if (after == null) {
                continue; // not shared: the removed or replaced row's own output may change
            }
            Output before = entry.getValue();
            if (before.inTest() != after.inTest()) {
                moved++;
            }
            if (before.inTest() != after.inTest() || !Arrays.equals(before.features(), after.features())) {
                changed++;
            }
        }
        return new Difference(moved, changed);
    }

    private record Output(boolean inTest, float[] features) {}

    /** Each input row's side and preprocessed features, by row identity. */
    private static Map<float[], Output> outputs(TabularDataset data, RowKeys keys, SitePipeline pipeline) {
        SplitData split = pipeline.split(data, keys);
        SplitData prepared = pipeline.preprocess(split);
        Map<float[], Output> out = new IdentityHashMap<>();
        record(out, split.train(), prepared.train(), false);
        record(out, split.test(), prepared.test(), true);
        if (out.size() != data.size()) {
            throw new IllegalStateException("the pipeline's split has " + out.size() + " distinct rows for a table of "
                    + data.size() + "; a split must share the table's row objects, each in exactly one part");
        }
        return out;
    }

    private static void record(Map<float[], Output> out, TabularDataset raw, TabularDataset prepared, boolean inTest) {
        if (raw.size() != prepared.size()) {
            throw new IllegalStateException("preprocessing changed a part's size from " + raw.size() + " to "
                    + prepared.size() + "; it must keep every row, in order");
        }
        for (int i = 0; i < raw.size(); i++) {
            out.put(raw.features()[i], new Output(inTest, prepared.features()[i]));
        }
    }
}
