package org.cohort.crypto.secagg;

import java.util.Arrays;
import org.cohort.crypto.internal.Hkdf;

/**
 * Who shares secrets and pairwise masks with whom in a round: a random k-regular Harary graph, as
 * in Bell et al. 2020. Sites are placed on a ring in an order shuffled by the round nonce, and
 * each is linked to the k/2 nearest on either side (plus the opposite site when k is odd). The
 * Harary graph is k-connected, the fewest edges for that, and the shuffle makes a site's neighbours
 * unpredictable before the nonce is drawn. The nonce is public and every party computes the same
 * graph, so the server cannot choose neighbourhoods (e.g. surround a site with colluders).
 * Immutable.
 */
public final class NeighbourGraph {

    private final int degree;
    private final int[][] neighbours;

    private NeighbourGraph(int degree, int[][] neighbours) {
        this.degree = degree;
        this.neighbours = neighbours;
    }

    public static NeighbourGraph of(SecAggParameters parameters) {
        int n = parameters.numClients();
        int k = parameters.degree();
        int[] order = shuffledOrder(n, parameters.nonceView());
        int[] position = new int[n];
        for (int p = 0; p < n; p++) {
            position[order[p]] = p;
        }
        int[][] neighbours = new int[n][];
        for (int client = 0; client < n; client++) {
            int p = position[client];
            int[] list = new int[k];
            int filled = 0;
            for (int distance = 1; distance <= k / 2; distance++) {
                list[filled++] = order[(p + distance) % n];
                list[filled++] = order[(p - distance + n) % n];
            }
            if (k % 2 == 1) {
                list[filled] = order[(p + n / 2) % n]; // n is even whenever k is odd (checked by the parameters)
            }
            Arrays.sort(list);
            neighbours[client] = list;
        }
        return new NeighbourGraph(k, neighbours);
    }

    public int size() {
        return neighbours.length;
    }

    public int degree() {
        return degree;
    }

    /** The neighbours of {@code client}, ascending; never the client itself. */
    public int[] neighboursOf(int client) {
        return neighbourView(client).clone();
    }

    public boolean areNeighbours(int a, int b) {
        return Arrays.binarySearch(neighbourView(a), b) >= 0;
    }

    int[] neighbourView(int client) {
        if (client < 0 || client >= neighbours.length) {
            throw new IllegalArgumentException("Client index " + client + " is outside 0.." + (neighbours.length - 1));
        }
        return neighbours[client];
    }

    /** Fisher-Yates over a keystream derived from the nonce: public randomness every party reproduces. */
    private static int[] shuffledOrder(int n, byte[] nonce) {
        Keystream randomness =
                new Keystream(Hkdf.derive(nonce, new byte[0], Labels.bytes(Labels.GRAPH), Keystream.KEY_BYTES));
        byte[] word = new byte[4];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int bound = i + 1;
            // Rejection sampling: accept only below the largest multiple of bound, so j is exactly uniform.
            long limit = (1L << 32) - ((1L << 32) % bound);
            long value;
            do {
                randomness.next(word, 4);
                value = ((word[0] & 0xffL) << 24)
                        | ((word[1] & 0xffL) << 16)
                        | ((word[2] & 0xffL) << 8)
                        | (word[3] & 0xffL);
            } while (value >= limit);
            int j = (int) (value % bound);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
