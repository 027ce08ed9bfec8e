package org.cohort.coordinator.round;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.cohort.crypto.secagg.AggregateSum;
import org.cohort.crypto.secagg.RingQuantizer;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.crypto.secagg.SecAggServer;
import org.cohort.crypto.signature.SignatureVerifier;

/**
 * The coordinator's side of one secure-aggregation round: which site has which index, which
 * stage the round is in and until when, and the SecAgg+ server that relays keys and shares and
 * finally releases only the sum. Held by the replica that drives the round (nothing in it is
 * secret from the coordinator: shares are encrypted between sites).
 */
final class SecureRound {
    enum Stage { ADVERTISE_KEYS, SHARE_KEYS, MASKED_INPUT, CONSISTENCY, UNMASK, DONE }

    final SecAggServer server;
    final SecAggParameters parameters;
    final RingQuantizer quantizer;
    final List<String> sitesByIndex;
    final Map<String, Integer> indexOf = new HashMap<>();
    final Duration stageTimeout;
    /** Values in every site's (masked) input: the model's parameter count. */
    final int vectorLength;
    private Stage stage = Stage.ADVERTISE_KEYS;
    private Instant stageDeadline;
    private final Set<Integer> answered = new TreeSet<>();
    private Set<Integer> expected;

    SecureRound(List<String> sites, byte[] nonce, Integer threshold, Integer degree, double clipRange,
                int vectorLength, Duration stageTimeout, Instant trainingDeadline,
                java.util.function.Function<String, byte[]> signingKeys) {
        this.sitesByIndex = List.copyOf(sites);
        for (int i = 0; i < sites.size(); i++) {
            indexOf.put(sites.get(i), i);
        }
        var defaults = SecAggParameters.defaults(sites.size(), nonce);
        int k = degree != null ? Math.min(degree, sites.size() - 1) : defaults.degree();
        int t = threshold != null ? threshold : SecAggParameters.minimumSafeThreshold(k);
        this.parameters = new SecAggParameters(sites.size(), t, k, nonce);
        var verifiers = new LinkedHashMap<Integer, SignatureVerifier>();
        for (int i = 0; i < sites.size(); i++) {
            verifiers.put(i, SignatureVerifier.ed25519(signingKeys.apply(sites.get(i))));
        }
        this.server = new SecAggServer(parameters, vectorLength, verifiers::get);
        this.quantizer = new RingQuantizer(sites.size(), clipRange);
        this.stageTimeout = stageTimeout;
        this.vectorLength = vectorLength;
        this.stageDeadline = trainingDeadline;
        this.expected = new TreeSet<>(indexOf.values());
    }

    Stage stage() {
        return stage;
    }

    /** Moves to the next stage, now expecting answers from {@code from}. */
    void advance(Stage next, Set<Integer> from, Instant now) {
        stage = next;
        answered.clear();
        expected = new TreeSet<>(from);
        stageDeadline = now.plus(stageTimeout);
    }

    /** Records an answer in the current stage; true when everyone expected has answered. */
    boolean answered(int index) {
        answered.add(index);
        return answered.containsAll(expected);
    }

    /**
     * A site that will not answer this stage (it reported a failure): stop waiting for it, so
     * the stage can close as soon as the others have answered; true when they all have.
     */
    boolean excuse(int index) {
        expected.remove(index);
        return answered.containsAll(expected);
    }

    boolean overdue(Instant now) {
        return !now.isBefore(stageDeadline);
    }

    Set<Integer> missing() {
        var m = new TreeSet<>(expected);
        m.removeAll(answered);
        return m;
    }

    String site(int index) {
        return sitesByIndex.get(index);
    }

    /** The unmasked sum as reals: Σ clipped updates of the survivors, and how many there were. */
    record Released(double[] sum, int survivors) {}

    Released release() {
        AggregateSum aggregate = server.finish();
        stage = Stage.DONE;
        return new Released(quantizer.decode(aggregate.sum()), aggregate.survivors().length);
    }
}
