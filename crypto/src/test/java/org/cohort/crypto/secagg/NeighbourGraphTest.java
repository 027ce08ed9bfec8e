package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NeighbourGraphTest {

    @Test
    void graphIsRegularSymmetricAndHasNoSelfLoops() {
        Random random = new Random(4);
        for (int trial = 0; trial < 300; trial++) {
            int n = 3 + random.nextInt(200);
            int degree = 2 + random.nextInt(n - 2);
            if (degree % 2 == 1 && n % 2 == 1) {
                degree--;
            }
            NeighbourGraph graph = NeighbourGraph.of(new SecAggParameters(n, degree, degree, nonce(random)));

            for (int i = 0; i < n; i++) {
                int[] neighbours = graph.neighboursOf(i);
                assertThat(neighbours).hasSize(degree).doesNotContain(i).doesNotHaveDuplicates();
                for (int j : neighbours) {
                    assertThat(graph.areNeighbours(j, i))
                            .as("%d-%d symmetric (n=%d, k=%d)", i, j, n, degree)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void sameNonceGivesSameGraphAndAnotherNonceAnother() {
        Random random = new Random(5);
        byte[] nonce = nonce(random);
        NeighbourGraph first = NeighbourGraph.of(SecAggParameters.defaults(100, nonce));
        NeighbourGraph again = NeighbourGraph.of(SecAggParameters.defaults(100, nonce.clone()));
        NeighbourGraph other = NeighbourGraph.of(SecAggParameters.defaults(100, nonce(random)));

        boolean differs = false;
        for (int i = 0; i < 100; i++) {
            assertThat(again.neighboursOf(i)).isEqualTo(first.neighboursOf(i));
            differs |= !Arrays.equals(other.neighboursOf(i), first.neighboursOf(i));
        }
        assertThat(differs).isTrue();
    }

    @Test
    void completeGraphWhenDegreeIsNMinusOne() {
        for (int n : new int[] {3, 4, 9, 10}) {
            NeighbourGraph graph = NeighbourGraph.of(SecAggParameters.defaults(n, new byte[16]));
            for (int i = 0; i < n; i++) {
                assertThat(graph.neighboursOf(i)).hasSize(n - 1);
            }
        }
    }

    @Test
    void staysConnectedAfterRemovingFewerThanDegreeSites() {
        // A Harary graph is k-connected: no k - 1 removed sites can cut it.
        Random random = new Random(6);
        for (int trial = 0; trial < 100; trial++) {
            SecAggParameters parameters = SecAggParameters.defaults(50 + random.nextInt(100), nonce(random));
            NeighbourGraph graph = NeighbourGraph.of(parameters);
            Set<Integer> removed = new HashSet<>();
            while (removed.size() < parameters.degree() - 1) {
                removed.add(random.nextInt(parameters.numClients()));
            }
            assertThat(reachable(graph, removed)).isEqualTo(parameters.numClients() - removed.size());
        }
    }

    private static int reachable(NeighbourGraph graph, Set<Integer> removed) {
        int start = 0;
        while (removed.contains(start)) {
            start++;
        }
        Set<Integer> seen = new HashSet<>(Set.of(start));
        ArrayDeque<Integer> queue = new ArrayDeque<>(seen);
        while (!queue.isEmpty()) {
            for (int next : graph.neighboursOf(queue.poll())) {
                if (!removed.contains(next) && seen.add(next)) {
                    queue.add(next);
                }
            }
        }
        return seen.size();
    }

    private static byte[] nonce(Random random) {
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        return nonce;
    }
}
