package org.cohort.learning.data;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * Splits a site's examples into training and test parts, stratified by class, deterministically
 * for a seed: a site that re-joins a study after a restart evaluates on the same test rows.
 */
public final class TrainTestSplit {

    private TrainTestSplit() {}

    /**
     * Puts {@code round(testFraction × n_c)} examples of each class c into the test part (chosen
     * at random with {@code seed}) and the rest into the training part; both keep file order, so
     * a split depends only on the data, the fraction and the seed.
     *
     * @param testFraction strictly between 0 and 1
     */
    public static SplitData split(TabularDataset data, double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be strictly between 0 and 1, was " + testFraction);
        }
        Random random = new Random(seed);
        boolean[] inTest = new boolean[data.size()];
        int[] labels = data.labels();
        for (int c = 0; c < data.numClasses(); c++) {
            int[] members = indicesOf(labels, c);
            shuffle(members, random);
            int testCount = (int) Math.round(testFraction * members.length);
            for (int i = 0; i < testCount; i++) {
                inTest[members[i]] = true;
            }
        }
        int testSize = 0;
        for (boolean t : inTest) {
            testSize += t ? 1 : 0;
        }
        int[] train = new int[data.size() - testSize];
        int[] test = new int[testSize];
        int a = 0;
        int b = 0;
        for (int i = 0; i < inTest.length; i++) {
            if (inTest[i]) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new SplitData(data.select(train), data.select(test));
    }

    private static int[] indicesOf(int[] labels, int label) {
        return IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
    }

    /** Fisher–Yates with {@link Random}, whose sequence is specified, so splits are stable across JDKs. */
    static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }
}
