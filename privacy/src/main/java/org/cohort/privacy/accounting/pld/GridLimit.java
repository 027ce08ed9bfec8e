package org.cohort.privacy.accounting.pld;

/**
 * The largest discretised distribution the PLD accountant will build. Extreme inputs (q = 1,
 * σ = 1, a million steps) would otherwise ask for billions of grid points and run the process
 * out of memory after minutes; a REST caller can send them, so the work is bounded up front and
 * refused with a message that says what to do instead.
 */
final class GridLimit {
    /** 2^23 points: each array 64 MiB, an FFT of that length holds about four of them. */
    static final long MAX_POINTS = 1L << 23;

    private GridLimit() {}

    /** Throws before anything of {@code points} grid points is allocated, if it is too large. */
    static void check(long points, String what) {
        if (points > MAX_POINTS || points < 0) {
            throw new IllegalArgumentException(String.format(
                    java.util.Locale.ROOT,
                    "the PLD accountant would need %s grid points for %s (its limit is %d, about %d MiB an array):"
                            + " use the RDP accountant for these inputs (accountant=rdp), or a coarser value"
                            + " discretization (looser, still an upper bound)",
                    points < 0 ? "more than 2^63" : Long.toString(points),
                    what,
                    MAX_POINTS,
                    MAX_POINTS * 8 >> 20));
        }
    }
}
