package org.cohort.crypto.secagg;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.Ed25519;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.crypto.signature.UpdateSigner;

/**
 * A whole round in one place for tests: n sites with their own Ed25519 keys, one server, and the
 * relaying the coordinator would do. Each stage method runs the stage for the sites still alive and
 * keeps what the server returned, so a test can drop sites or tamper with messages between stages.
 */
final class TestRound {

    enum Stage {
        AFTER_ADVERTISE,
        AFTER_SHARE_KEYS,
        AFTER_MASKED_INPUT
    }

    private static final List<UpdateSigner> SITE_KEYS = new ArrayList<>();

    final SecAggParameters parameters;
    final int vectorLength;
    final List<UpdateSigner> signers = new ArrayList<>();
    final Map<Integer, SignatureVerifier> verifierMap = new TreeMap<>();
    final IntFunction<SignatureVerifier> verifiers = verifierMap::get;
    final List<SecAggClient> clients = new ArrayList<>();
    final SecAggServer server;
    final int[][] inputs;
    final Set<Integer> alive = new TreeSet<>();
    /** Sites send only the low 16 bits of each masked value, zero-extended (the narrow ring's wire form). */
    boolean narrow;

    Map<Integer, List<AdvertisedKeys>> relayedKeys;
    Map<Integer, List<EncryptedShare>> relayedShares;
    ConsistencyRequest consistencyRequest;
    Map<Integer, UnmaskRequest> unmaskRequests;

    TestRound(SecAggParameters parameters, int vectorLength, long inputSeed) {
        this.parameters = parameters;
        this.vectorLength = vectorLength;
        int n = parameters.numClients();
        for (int i = 0; i < n; i++) {
            UpdateSigner key = siteKey(i);
            signers.add(key);
            verifierMap.put(i, SignatureVerifier.ed25519(key.publicKey()));
        }
        for (int i = 0; i < n; i++) {
            clients.add(new SecAggClient(parameters, i, signers.get(i), verifiers));
            alive.add(i);
        }
        server = new SecAggServer(parameters, vectorLength, verifiers);
        inputs = quantizedInputs(n, vectorLength, inputSeed);
    }

    /** Site i's update-signing key, shared by all tests: a site keeps its key across rounds. */
    static synchronized UpdateSigner siteKey(int i) {
        while (SITE_KEYS.size() <= i) {
            SITE_KEYS.add(Ed25519.signingKey(Algorithms.newEd25519KeyPair()));
        }
        return SITE_KEYS.get(i);
    }

    static TestRound withDefaults(int n, int vectorLength) {
        return new TestRound(SecAggParameters.defaults(n, nonce()), vectorLength, n);
    }

    static byte[] nonce() {
        byte[] nonce = new byte[32];
        Algorithms.random().nextBytes(nonce);
        return nonce;
    }

    /** Real-valued updates in [-1, 1] quantized for n sites, as an agent would send them. */
    static int[][] quantizedInputs(int n, int length, long seed) {
        Random random = new Random(seed);
        RingQuantizer quantizer = new RingQuantizer(n, 1.0);
        int[][] inputs = new int[n][];
        for (int i = 0; i < n; i++) {
            double[] update = new double[length];
            for (int k = 0; k < length; k++) {
                update[k] = random.nextGaussian() * 0.5;
            }
            inputs[i] = quantizer.quantize(update, new SecureRandom());
        }
        return inputs;
    }

    void drop(Set<Integer> sites) {
        alive.removeAll(sites);
    }

    void advertise() {
        for (int i : alive) {
            server.receiveKeys(clients.get(i).advertiseKeys());
        }
        relayedKeys = server.closeAdvertiseKeys();
    }

    void shareKeys() {
        for (int i : alive) {
            server.receiveShares(clients.get(i).shareKeys(relayedKeys.get(i)));
        }
        relayedShares = server.closeShareKeys();
    }

    /** Uploads in chunks of an odd size so that chunk borders fall anywhere. */
    void maskInputs() {
        for (int i : alive) {
            MaskedInput masked = clients.get(i).maskInput(relayedShares.get(i), inputs[i]);
            if (narrow) {
                int[] low = masked.values().clone();
                for (int j = 0; j < low.length; j++) {
                    low[j] &= 0xFFFF;
                }
                masked = new MaskedInput(masked.roundNonce(), masked.clientIndex(), low);
            }
            for (MaskedInputChunk chunk : masked.chunks(Math.max(1, vectorLength / 3 + 1))) {
                server.receiveMaskedChunk(chunk);
            }
        }
        consistencyRequest = server.closeMaskedInput();
    }

    void checkConsistency() {
        for (int i : alive) {
            server.receiveConsistencySignature(clients.get(i).checkConsistency(consistencyRequest));
        }
        unmaskRequests = server.closeConsistencyCheck();
    }

    AggregateSum unmaskAndFinish() {
        for (int i : alive) {
            server.receiveUnmaskResponse(clients.get(i).unmask(unmaskRequests.get(i)));
        }
        return server.finish();
    }

    /** Runs the whole round, the given sites dropping out right after the given stage. */
    AggregateSum run(Stage dropStage, Set<Integer> dropped) {
        advertise();
        if (dropStage == Stage.AFTER_ADVERTISE) {
            drop(dropped);
        }
        shareKeys();
        if (dropStage == Stage.AFTER_SHARE_KEYS) {
            drop(dropped);
        }
        maskInputs();
        if (dropStage == Stage.AFTER_MASKED_INPUT) {
            drop(dropped);
        }
        checkConsistency();
        return unmaskAndFinish();
    }

    /** Σ inputs[i] over {@code sites}, in Z(2^32) (Java int wrap-around). */
    int[] plaintextSum(int[] sites) {
        int[] sum = new int[vectorLength];
        for (int site : sites) {
            for (int k = 0; k < vectorLength; k++) {
                sum[k] += inputs[site][k];
            }
        }
        return sum;
    }

    /** {@code count} distinct sites chosen by {@code seed}. */
    Set<Integer> pick(int count, long seed) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < parameters.numClients(); i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, new Random(seed));
        return new TreeSet<>(all.subList(0, count));
    }
}
