package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.crypto.secagg.RingQuantizer;

/**
 * The ring a secure round's masked inputs travel in: Z(2^32), or Z(2^16) when the study asks for it
 * ({@code secureAggregation.ringBits: 16}) and the round's site count leaves each site enough levels.
 *
 * <p>The overflow bound: each site clips every coordinate to [−c, c] (c = clipRange) and rounds
 * c·scale to at most L = ⌊(2^15 − 1)/n⌋ levels, so for n sites |Σ q| ≤ n·L = n·c·scale ≤ 2^15 − 1
 * &lt; 2^15 and the 16-bit sum, read as a signed number, is exact ({@link RingQuantizer#maxLevel}).
 * The price is precision: log2(2L + 1) bits per site and coordinate, 12.7 for 10 sites against 28.7
 * in 32 bits, i.e. a rounding step of c/L (stochastic, so unbiased). A round of more than
 * {@value #MAX_NARROW_SITES} sites would leave fewer than {@value #MIN_LEVELS} levels (8 bits), so it
 * runs in 32 bits instead, whatever the study asked; a study whose minSites already exceeds that is
 * refused at creation, since no round of it could use the narrow ring.
 */
public final class RingWidth {
    public static final int WIDE = RingQuantizer.RING_BITS;
    public static final int NARROW = RingQuantizer.NARROW_RING_BITS;
    /** Fewest levels per site and sign the narrow ring must leave: 8 bits per coordinate. */
    static final int MIN_LEVELS = 127;
    /** Most sites a narrow-ring round may have: ⌊(2^15 − 1)/127⌋ = 258. */
    public static final int MAX_NARROW_SITES = (int) RingQuantizer.maxLevel(MIN_LEVELS, NARROW);

    private RingWidth() {}

    /** The ring bits of a secure round of {@code sites} sites of {@code spec}. */
    public static int bits(StudySpec spec, int sites) {
        var sa = spec.secureAggregation();
        boolean narrow = sa != null
                && sa.ringBits() != null
                && sa.ringBits() == NARROW
                && sites <= MAX_NARROW_SITES
                && (spec.privacy() == null || !spec.privacy().siteLevel());
        return narrow ? NARROW : WIDE;
    }

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        var sa = spec.secureAggregation();
        if (sa == null || sa.ringBits() == null) {
            return problems;
        }
        if (sa.ringBits() != WIDE && sa.ringBits() != NARROW) {
            problems.add("secureAggregation.ringBits must be 32 (the default) or 16, got " + sa.ringBits());
            return problems;
        }
        if (sa.ringBits() == NARROW && !sa.on()) {
            problems.add("secureAggregation.ringBits applies only with secureAggregation.enabled true");
        }
        if (sa.ringBits() == NARROW && spec.privacy() != null && spec.privacy().siteLevel()) {
            problems.add("secureAggregation.ringBits 16 cannot hold site-level DP's distributed noise, whose"
                    + " wrap-around bound is planned for the 32-bit ring; leave ringBits at 32");
        }
        if (sa.ringBits() == NARROW && spec.minSites() != null && spec.minSites() > MAX_NARROW_SITES) {
            problems.add("secureAggregation.ringBits 16: every round has at least minSites " + spec.minSites()
                    + " sites, and the 16-bit sum of n sites stays exact only with at most ⌊(2^15 − 1)/n⌋ levels"
                    + " each (n·L < 2^15), fewer than " + MIN_LEVELS + " above " + MAX_NARROW_SITES
                    + " sites; leave ringBits at 32");
        }
        return problems;
    }
}
