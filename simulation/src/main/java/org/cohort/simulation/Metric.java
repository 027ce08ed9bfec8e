package org.cohort.simulation;

import java.util.Locale;

/** The held-out metric the demo shows: accuracy for a classification study, Harrell's C-index for survival. */
enum Metric {
    ACCURACY("test accuracy", "pooled acc"),
    C_INDEX("test C-index", "pooled C");

    /** What the closing table measures, and the round table's pooled column. */
    final String title;

    final String pooledColumn;

    Metric(String title, String pooledColumn) {
        this.title = title;
        this.pooledColumn = pooledColumn;
    }

    static Metric of(DemoData data) {
        return data.survival() ? C_INDEX : ACCURACY;
    }

    /** A value as the tables print it: a percentage, or a C-index with three decimals ("-" when undefined). */
    String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return this == ACCURACY ? Quickstart.pct(value) : String.format(Locale.ROOT, "%.3f", value);
    }
}
