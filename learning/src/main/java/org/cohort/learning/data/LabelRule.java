package org.cohort.learning.data;

import java.util.HashSet;
import java.util.List;

/** How a label cell becomes a class index in {@code [0, numClasses)}. */
public sealed interface LabelRule permits LabelRule.PositiveIfGreaterThan, LabelRule.ClassIndex, LabelRule.Levels {

    /** Binary: class 1 when the numeric label is above {@code threshold}, else class 0. */
    static LabelRule positiveIfGreaterThan(double threshold) {
        return new PositiveIfGreaterThan(threshold);
    }

    /** The label is already an integer class index {@code 0..numClasses-1}. */
    static LabelRule classIndex(int numClasses) {
        return new ClassIndex(numClasses);
    }

    /** The label is one of the named levels; the class index is its position. */
    static LabelRule levels(String... levels) {
        return new Levels(List.of(levels));
    }

    /**
     * Number of classes the model predicts. Fixed by the rule, not by the data, because a site
     * may lack a class entirely and must still build the same model as everyone else.
     */
    int numClasses();

    /**
     * The class of a (non-missing) label cell.
     *
     * @throws IllegalArgumentException when the cell does not fit the rule, saying what was expected
     */
    int classOf(String cell);

    /** See {@link LabelRule#positiveIfGreaterThan(double)}. */
    record PositiveIfGreaterThan(double threshold) implements LabelRule {
        public PositiveIfGreaterThan {
            if (!Double.isFinite(threshold)) {
                throw new IllegalArgumentException("threshold must be finite, was " + threshold);
            }
        }

        @Override
        public int numClasses() {
            return 2;
        }

        @Override
        public int classOf(String cell) {
            Double value = Numbers.parseOrNull(cell);
            if (value == null) {
                throw new IllegalArgumentException("label '" + cell + "' is not a number");
            }
            return value > threshold ? 1 : 0;
        }
    }

    /** See {@link LabelRule#classIndex(int)}. */
    record ClassIndex(int numClasses) implements LabelRule {
        public ClassIndex {
            if (numClasses < 2) {
                throw new IllegalArgumentException("numClasses must be at least 2, was " + numClasses);
            }
        }

        @Override
        public int classOf(String cell) {
            Double value = Numbers.parseOrNull(cell);
            if (value == null || value != Math.rint(value) || value < 0 || value >= numClasses) {
                throw new IllegalArgumentException("label '" + cell + "' is not a class index 0.." + (numClasses - 1));
            }
            return value.intValue();
        }
    }

    /** See {@link LabelRule#levels(String...)}. */
    record Levels(List<String> levels) implements LabelRule {
        public Levels {
            levels = List.copyOf(levels);
            if (levels.size() < 2 || new HashSet<>(levels).size() != levels.size()) {
                throw new IllegalArgumentException("label levels must be at least 2 distinct values, were " + levels);
            }
        }

        @Override
        public int numClasses() {
            return levels.size();
        }

        @Override
        public int classOf(String cell) {
            int index = levels.indexOf(cell);
            if (index < 0) {
                throw new IllegalArgumentException("label '" + cell + "' is not one of " + levels);
            }
            return index;
        }
    }
}
