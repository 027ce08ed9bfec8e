package org.cohort.learning.train;

import java.util.List;
import java.util.Objects;

/**
 * Harrell's concordance index (C-index) of risk scores against survival outcomes, as the counts it
 * is made of, so that sites can be pooled and the figure recomputed.
 *
 * <p>A pair of patients is comparable when the one with the shorter time had the event: times
 * T_i &lt; T_j with event_i, or equal times where i had the event and j was censored (a patient
 * censored at the time of another's event is taken to have outlived it). Two patients censored, or
 * both with events at the same time, are not comparable: nothing says who outlived whom. A
 * comparable pair is concordant when the patient who died first has the higher risk score, and
 * tied when the scores are equal (it counts one half). C = (concordant + tied/2) / comparable:
 * 0.5 for random scores, 1 for a perfect ordering. This is the definition of {@code
 * lifelines.utils.concordance_index} and of scikit-survival's {@code concordance_index_censored}.
 *
 * @param concordant comparable pairs ordered correctly by the scores
 * @param tied comparable pairs with equal scores
 * @param comparable all comparable pairs
 */
public record Concordance(long concordant, long tied, long comparable) {

    public Concordance {
        if (concordant < 0 || tied < 0 || concordant + tied > comparable) {
            throw new IllegalArgumentException("need 0 <= concordant + tied <= comparable, got " + concordant + " + "
                    + tied + " of " + comparable);
        }
    }

    /** The C-index; NaN when no pair is comparable (e.g. no event at all). */
    public double index() {
        return comparable == 0 ? Double.NaN : (concordant + 0.5 * tied) / comparable;
    }

    /** 2·concordant + tied: the numerator in half pairs, an integer. */
    public long concordantHalves() {
        return 2 * concordant + tied;
    }

    /** 2·comparable: the denominator in half pairs. */
    public long comparableHalves() {
        return 2 * comparable;
    }

    /**
     * The counts of {@code risk} (higher: expected to die sooner) against each patient's time and
     * event. O(n²) in the number of patients, which for held-out sets of a few thousand is instant.
     */
    public static Concordance of(double[] risk, double[] times, boolean[] events) {
        Objects.requireNonNull(risk, "risk");
        Objects.requireNonNull(times, "times");
        Objects.requireNonNull(events, "events");
        if (risk.length != times.length || times.length != events.length) {
            throw new IllegalArgumentException("risk scores, times and events must have one value per patient, got "
                    + risk.length + ", " + times.length + " and " + events.length);
        }
        long concordant = 0;
        long tied = 0;
        long comparable = 0;
        for (int i = 0; i < times.length; i++) {
            if (!events[i]) {
                continue; // only a patient with an observed event can be the first of a comparable pair
            }
            for (int j = 0; j < times.length; j++) {
                if (j == i) {
                    continue;
                }
                boolean outlived = times[j] > times[i] || (times[j] == times[i] && !events[j]);
                if (!outlived) {
                    continue;
                }
                comparable++;
                if (risk[i] > risk[j]) {
                    concordant++;
                } else if (risk[i] == risk[j]) {
                    tied++;
                }
            }
        }
        return new Concordance(concordant, tied, comparable);
    }

    /** The counts of several sets added up: the C-index over the pairs within each set (none across sets). */
    public static Concordance sum(List<Concordance> parts) {
        long c = 0;
        long t = 0;
        long n = 0;
        for (Concordance part : parts) {
            c += part.concordant();
            t += part.tied();
            n += part.comparable();
        }
        return new Concordance(c, t, n);
    }
}
