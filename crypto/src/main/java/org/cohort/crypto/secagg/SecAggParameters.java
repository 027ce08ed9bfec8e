package org.cohort.crypto.secagg;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The settings of one secure-aggregation round, identical at the server and at every site.
 *
 * <p><b>Neighbourhoods.</b> Each site i is linked to {@code degree} = k neighbours in a
 * {@link NeighbourGraph} laid out from the round nonce. Site i Shamir-shares its self-mask seed
 * and its mask key among its <em>closed</em> neighbourhood: its k neighbours and itself (k + 1
 * holders, as in Bonawitz et al., where a site keeps a share of its own secrets). Any
 * {@code threshold} = t holders rebuild a secret.
 *
 * <p><b>Safety rule, t &gt; (k + 1) / 2.</b> The server must never learn both secrets of a site
 * that survived. A malicious server can tell one group of i's holders that i dropped (asking for
 * the mask-key share) and another that i survived (asking for the self-mask share). If two
 * disjoint groups of t holders fit among the k + 1, it gets both and unmasks i's update. With
 * t &gt; (k + 1) / 2 any two groups of t overlap, and an honest holder never reveals both shares
 * of one site. The default is the smallest safe value, ⌊(k + 1) / 2⌋ + 1, which leaves the most
 * room for dropouts.
 *
 * <p><b>Liveness rule, t ≤ k.</b> A dropped site's own share leaves with it, so only its k
 * neighbours can rebuild its mask key: with t &gt; k a single dropout would abort the round.
 * A dropped site is recoverable while at most k - t of its neighbours drop too; a surviving
 * site's self-mask while at most k + 1 - t of its closed neighbourhood drop.
 *
 * <p><b>Default degree, k = min(n - 1, 4⌈log2 n⌉).</b> Bell et al. (CCS 2020) show that a random
 * graph of degree O(log n) keeps both privacy and dropout recovery with high probability, so the
 * cost per site grows with log n rather than n. The constant 4 is chosen for recovery under
 * independent dropouts with the default threshold (t = k/2 + 1, tolerating k/2 - 1 dropped
 * neighbours): by a union bound over sites, the chance that some dropped site cannot be rebuilt
 * at 10% dropout is at most 2e-4 for n = 25, 1e-5 for n = 100, 2e-7 for n = 1000; at 20% it is a
 * few percent. 2⌈log2 n⌉ + 1 would fail in several percent of rounds already at 10% dropout.
 * Studies that expect more dropout raise the degree (up to n - 1, the complete graph of the
 * original protocol). Up to n = 21 the default is the complete graph. 4⌈log2 n⌉ is even, so a
 * k-regular graph exists for every n.
 *
 * @param numClients n, the number of sites selected for the round (indices 0..n-1)
 * @param threshold t, how many holders rebuild a secret
 * @param degree k, how many neighbours each site has
 * @param roundNonce the round's public random nonce (16..64 bytes); it seeds the graph and binds
 *     every message to this round
 */
public record SecAggParameters(int numClients, int threshold, int degree, byte[] roundNonce) {

    /** With 2 sites each learns the other's update from the sum, and no threshold is both safe and live. */
    public static final int MIN_CLIENTS = 3;
    /** The coordinator's limit on selected sites per round; share indices are client index + 1. */
    public static final int MAX_CLIENTS = ShamirSecretSharing.MAX_HOLDERS - 1;
    /** A nonce shorter than 128 bits could repeat across rounds and let old messages replay. */
    public static final int MIN_NONCE_BYTES = 16;

    public static final int MAX_NONCE_BYTES = 64;

    public SecAggParameters {
        if (numClients < MIN_CLIENTS || numClients > MAX_CLIENTS) {
            throw new IllegalArgumentException("Secure aggregation needs at least " + MIN_CLIENTS + " sites (at most "
                    + MAX_CLIENTS + "), got " + numClients
                    + ". With fewer than 3, each site learns the others' updates from the sum anyway;"
                    + " run the round with more sites or without secure aggregation on purpose");
        }
        if (roundNonce == null || roundNonce.length < MIN_NONCE_BYTES || roundNonce.length > MAX_NONCE_BYTES) {
            throw new IllegalArgumentException(
                    "Round nonce must be " + MIN_NONCE_BYTES + ".." + MAX_NONCE_BYTES + " bytes, got "
                            + (roundNonce == null ? "none" : roundNonce.length)
                            + "; use 32 fresh random bytes per round so messages of one round cannot be replayed in another");
        }
        if (degree < 2 || degree > numClients - 1) {
            throw new IllegalArgumentException(
                    "Degree " + degree + " is impossible for " + numClients + " sites: each site needs"
                            + " 2.." + (numClients - 1) + " neighbours (n - 1 is the complete graph). Default for n = "
                            + numClients
                            + " is " + defaultDegree(numClients));
        }
        if (degree % 2 == 1 && numClients % 2 == 1) {
            throw new IllegalArgumentException(
                    "Degree " + degree + " is odd and there are " + numClients + " sites: a graph in which"
                            + " every site has the same odd number of neighbours needs an even number of sites. Use degree "
                            + (degree - 1) + " or " + (degree + 1));
        }
        int safe = minimumSafeThreshold(degree);
        if (threshold < safe) {
            throw new IllegalArgumentException(
                    "Threshold " + threshold + " is unsafe for degree " + degree + ": each site's secrets"
                            + " are shared among its " + degree + " neighbours and itself (" + (degree + 1)
                            + " holders), and with t <= "
                            + (degree + 1)
                            + "/2 two disjoint groups of t holders exist. A server telling one group that the site dropped"
                            + " and the other that it survived would get both its self-mask seed and its mask key and see its update"
                            + " in the clear. Use a threshold of at least " + safe);
        }
        if (threshold > degree) {
            throw new IllegalArgumentException(
                    "Threshold " + threshold + " exceeds degree " + degree + ": a dropped site's mask key"
                            + " is held only by its " + degree
                            + " neighbours (its own share leaves with it), so no dropout could ever be"
                            + " recovered and any dropout would abort the round. Use a threshold of at most " + degree
                            + (degree < safe ? "" : " (" + safe + " is the safe minimum)"));
        }
        roundNonce = roundNonce.clone();
    }

    /** Default degree and threshold for {@code numClients} sites (see the class comment for why). */
    public static SecAggParameters defaults(int numClients, byte[] roundNonce) {
        int degree = defaultDegree(numClients);
        return new SecAggParameters(numClients, minimumSafeThreshold(degree), degree, roundNonce);
    }

    /** min(n - 1, 4⌈log2 n⌉): the complete graph up to 21 sites, O(log n) above. */
    public static int defaultDegree(int numClients) {
        if (numClients < MIN_CLIENTS) {
            return Math.max(numClients - 1, 0);
        }
        int ceilLog2 = 32 - Integer.numberOfLeadingZeros(numClients - 1);
        return Math.min(numClients - 1, 4 * ceilLog2);
    }

    /** ⌊(k + 1) / 2⌋ + 1: the smallest threshold for which no two disjoint groups of holders both reach it. */
    public static int minimumSafeThreshold(int degree) {
        return (degree + 1) / 2 + 1;
    }

    /** How many neighbours of a dropped site may drop too before its mask key is lost: k - t. */
    public int toleratedDroppedNeighbours() {
        return degree - threshold;
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }

    boolean hasNonce(byte[] nonce) {
        return nonce != null && MessageDigest.isEqual(roundNonce, nonce);
    }

    byte[] nonceView() {
        return roundNonce;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SecAggParameters that
                && numClients == that.numClients
                && threshold == that.threshold
                && degree == that.degree
                && Arrays.equals(roundNonce, that.roundNonce);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * numClients + threshold) + degree) + Arrays.hashCode(roundNonce);
    }

    @Override
    public String toString() {
        return "SecAggParameters[n=" + numClients + ", t=" + threshold + ", k=" + degree + ", nonce="
                + HexFormat.of().formatHex(roundNonce) + "]";
    }
}
