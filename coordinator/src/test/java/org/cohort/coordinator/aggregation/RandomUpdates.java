package org.cohort.coordinator.aggregation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Site updates for aggregation tests: weights 1..10⁴, values spanning six orders of magnitude. */
final class RandomUpdates {
    private RandomUpdates() {}

    record Update(long weight, float[] values) {}

    static List<Update> generate(SplittableRandom rnd, int sites, int n) {
        var updates = new ArrayList<Update>();
        for (int s = 0; s < sites; s++) {
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                d[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 3)));
            }
            updates.add(new Update(rnd.nextLong(1, 10_000), d));
        }
        return updates;
    }
}
