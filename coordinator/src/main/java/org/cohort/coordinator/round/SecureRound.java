package org.cohort.coordinator.round;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.crypto.secagg.AggregateSum;
import org.cohort.crypto.secagg.RingQuantizer;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.crypto.secagg.SecAggServer;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.privacy.sitelevel.DistributedDiscreteGaussian;

/**
 * The coordinator's side of one secure-aggregation round: which site has which index, which
 * stage the round is in and until when, and the SecAgg+ server that relays keys and shares and
 * finally releases only the sum. Held by the replica that drives the round (nothing in it is
 * secret from the coordinator: shares are encrypted between sites).
 *
 * <p>In a site-level DP study the sites noise their own inputs ({@link #siteNoise}): the ring
 * encoding is then the distributed discrete Gaussian's, and the sum this round releases is
 * already noised.
 */
final class SecureRound {
    enum Stage {
        ADVERTISE_KEYS,
        SHARE_KEYS,
        MASKED_INPUT,
        CONSISTENCY,
        UNMASK,
        DONE
    }

    final SecAggServer server;
    final SecAggParameters parameters;
    final RingQuantizer quantizer;
    /** The sites' in-ring noise and encoding when the study is site-level DP; null otherwise. */
    final DistributedDiscreteGaussian siteNoise;

    final List<String> sitesByIndex;
    final Map<String, Integer> indexOf = new HashMap<>();
    final Duration stageTimeout;
    /** Values in every site's (masked) input: the model's parameter count. */
    final int vectorLength;
    /**
     * What each masked input in the sealed partial sums costs its site, once they are fed to the
     * server; charged just before the sum is unmasked, never if the attempt is abandoned first.
     */
    private Map<String, ReleaseCharge> charges = Map.of();

    private Stage stage = Stage.ADVERTISE_KEYS;
    private Instant stageDeadline;
    private final Set<Integer> answered = new TreeSet<>();
    private Set<Integer> expected;

    SecureRound(
            List<String> sites,
            byte[] nonce,
            Integer threshold,
            Integer degree,
            double clipRange,
            int vectorLength,
            Duration stageTimeout,
            Instant trainingDeadline,
            java.util.function.Function<String, byte[]> signingKeys,
            StudySpec.Privacy privacy) {
        this(
                sites,
                nonce,
                threshold,
                degree,
                clipRange,
                vectorLength,
                stageTimeout,
                trainingDeadline,
                signingKeys,
                privacy,
                RingQuantizer.RING_BITS);
    }

    SecureRound(
            List<String> sites,
            byte[] nonce,
            Integer threshold,
            Integer degree,
            double clipRange,
            int vectorLength,
            Duration stageTimeout,
            Instant trainingDeadline,
            java.util.function.Function<String, byte[]> signingKeys,
            StudySpec.Privacy privacy,
            int ringBits) { // ringBits: RingWidth.bits for the study and this round's site count
        this.sitesByIndex = List.copyOf(sites);
        for (int i = 0; i < sites.size(); i++) {
            indexOf.put(sites.get(i), i);
        }
        int k = degree(sites.size(), degree);
        this.parameters = new SecAggParameters(sites.size(), threshold(sites.size(), threshold, degree), k, nonce);
        var verifiers = new LinkedHashMap<Integer, SignatureVerifier>();
        for (int i = 0; i < sites.size(); i++) {
            verifiers.put(i, SignatureVerifier.ed25519(signingKeys.apply(sites.get(i))));
        }
        this.server = new SecAggServer(parameters, vectorLength, verifiers::get);
        this.quantizer = new RingQuantizer(sites.size(), clipRange, ringBits);
        this.siteNoise = siteNoise(privacy, sites.size(), parameters.threshold(), vectorLength);
        this.stageTimeout = stageTimeout;
        this.vectorLength = vectorLength;
        this.stageDeadline = trainingDeadline;
        this.expected = new TreeSet<>(indexOf.values());
    }

    private static int degree(int sites, Integer degree) {
        return degree != null ? Math.min(degree, sites - 1) : SecAggParameters.defaultDegree(sites);
    }

    /** The Shamir threshold t of a round of {@code sites} sites under the study's settings. */
    static int threshold(int sites, Integer threshold, Integer degree) {
        return threshold != null ? threshold : SecAggParameters.minimumSafeThreshold(degree(sites, degree));
    }

    /**
     * The sites' in-ring noise for a secure round of a site-level DP study, null for any other
     * study. Its fewest survivors is the threshold t: the server cannot unmask, and no site helps
     * unmask, a sum of fewer inputs, so any released sum carries at least the study's noise.
     */
    static DistributedDiscreteGaussian siteNoise(StudySpec.Privacy privacy, int sites, int threshold, long dimension) {
        if (privacy == null || !privacy.siteLevel()) {
            return null;
        }
        return DistributedDiscreteGaussian.plan(
                privacy.clipNorm(), privacy.noiseMultiplier(), sites, threshold, dimension);
    }

    /** {@link #siteNoise(StudySpec.Privacy, int, int, long)} for a secure round of {@code spec} with {@code sites} sites. */
    static DistributedDiscreteGaussian siteNoise(StudySpec spec, int sites, long dimension) {
        var secure = spec.secureAggregation();
        return siteNoise(spec.privacy(), sites, threshold(sites, secure.threshold(), secure.degree()), dimension);
    }

    Map<String, ReleaseCharge> charges() {
        return charges;
    }

    void charges(Map<String, ReleaseCharge> charges) {
        this.charges = Map.copyOf(charges);
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

    /**
     * The unmasked sum as reals: Σ clipped updates of the survivors, how many there were, and
     * whether the sites already noised it (site-level DP: then nothing more is added).
     *
     * @param tasked the sites the round tasked (SCAFFOLD's N), at least {@code survivors}
     */
    record Released(double[] sum, int survivors, boolean noisedAtSites, int tasked) {
        Released(double[] sum, int survivors, boolean noisedAtSites) {
            this(sum, survivors, noisedAtSites, survivors);
        }
    }

    Released release() {
        long unmaskStart = System.nanoTime();
        AggregateSum aggregate = server.finish();
        RoundMetrics.unmasked(java.time.Duration.ofNanos(System.nanoTime() - unmaskStart));
        RoundMetrics.secureDropouts(sitesByIndex.size() - aggregate.survivors().length);
        stage = Stage.DONE;
        return new Released(
                siteNoise != null ? siteNoise.decode(aggregate.sum()) : quantizer.decode(aggregate.sum()),
                aggregate.survivors().length,
                siteNoise != null,
                sitesByIndex.size());
    }
}
