package org.cohort.crypto.secagg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import org.cohort.crypto.signature.SignatureVerifier;

/**
 * The server's side of one secure-aggregation round: relays keys and encrypted shares between
 * neighbours, folds masked inputs into one running sum as chunks arrive, and at the end rebuilds
 * the survivors' self-mask seeds and the dropped sites' mask keys from the shares survivors
 * reveal, takes every mask off, and releases Σ x_i over the survivors — and nothing else.
 *
 * <p>Each stage collects messages ({@code receive…}) until the coordinator closes it
 * ({@code close…}, on its deadline or when all have answered), which fixes the set of sites that
 * took part (U1 ⊇ U2 ⊇ U3 ⊇ U4) and returns what to send next. A message that fails a check throws
 * {@link RejectedMessageException} and changes nothing. When too few sites remain for the
 * threshold, or a secret cannot be rebuilt, the round aborts ({@link SecAggAbortedException}):
 * the running sum is wiped and no later call releases anything.
 *
 * <p>Thread-safe: uploads of several sites may arrive on several threads.
 */
public final class SecAggServer {

    private enum Stage {
        COLLECTING_KEYS,
        COLLECTING_SHARES,
        COLLECTING_INPUTS,
        COLLECTING_SIGNATURES,
        COLLECTING_UNMASKING,
        FINISHED,
        ABORTED
    }

    private final SecAggParameters parameters;
    private final NeighbourGraph graph;
    private final IntFunction<SignatureVerifier> verifiers;
    private final MaskedSumAccumulator accumulator;

    private Stage stage = Stage.COLLECTING_KEYS;
    private String abortReason;
    /** U1 and what each site advertised. */
    private final SortedMap<Integer, AdvertisedKeys> advertised = new TreeMap<>();
    /** U2 and what each site sent, until relayed. */
    private final SortedMap<Integer, List<EncryptedShare>> sharesBySender = new TreeMap<>();
    /** For each site in U2: the owners whose shares it holds, itself included (it masked with the others). */
    private final Map<Integer, SortedSet<Integer>> holdings = new HashMap<>();
    /** For each site in U2: the sites in U2 that hold its shares, itself included. */
    private final Map<Integer, SortedSet<Integer>> holdersOf = new HashMap<>();

    private int[] survivors;
    private SortedSet<Integer> survivorSet;
    private final SortedMap<Integer, ConsistencySignature> consistencySignatures = new TreeMap<>();
    private final Map<Integer, UnmaskRequest> unmaskRequests = new HashMap<>();
    private final Map<Integer, List<ShamirShare>> selfMaskShares = new HashMap<>();
    private final Map<Integer, List<ShamirShare>> keyShares = new HashMap<>();
    private final Set<Integer> responders = new TreeSet<>();

    /**
     * @param vectorLength the number of values every site's input has (the model's parameter count)
     * @param verifiers the update-verifying key of each site index in this round, or null if unknown
     */
    public SecAggServer(SecAggParameters parameters, int vectorLength, IntFunction<SignatureVerifier> verifiers) {
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        if (vectorLength < 1) {
            throw new IllegalArgumentException("Vector length must be positive, got " + vectorLength);
        }
        this.graph = NeighbourGraph.of(parameters);
        this.verifiers = Objects.requireNonNull(verifiers, "verifiers");
        this.accumulator = new MaskedSumAccumulator(vectorLength);
    }

    public SecAggParameters parameters() {
        return parameters;
    }

    public NeighbourGraph graph() {
        return graph;
    }

    /** Stage 0: accepts one site's signed keys. */
    public synchronized void receiveKeys(AdvertisedKeys keys) {
        Objects.requireNonNull(keys, "keys");
        int from = requireSender(keys.clientIndex(), keys.roundNonce(), Stage.COLLECTING_KEYS, "advertised keys");
        if (advertised.containsKey(from)) {
            throw new RejectedMessageException(
                    "Client " + from + " already advertised keys for this round; a site advertises"
                            + " once (this is a replay or a second device using the same site identity)");
        }
        SignatureVerifier verifier = verifiers.apply(from);
        if (verifier == null || !verifier.verify(keys.signedBytes(), keys.signature())) {
            throw new RejectedMessageException(
                    "The keys advertised as client " + from + " are not signed by that site's"
                            + " update-signing key" + (verifier == null ? " (no verifying key is known for it)" : "")
                            + "; they were forged or altered in transit and were ignored");
        }
        if (X25519Keys.isLowOrder(keys.encryptionPublicKey()) || X25519Keys.isLowOrder(keys.maskPublicKey())) {
            throw new RejectedMessageException(
                    "Client " + from + " advertised a low-order X25519 key, with which every shared"
                            + " secret is zero; only a malicious or broken site does that. It is out of this round");
        }
        advertised.put(from, keys);
    }

    /**
     * Ends stage 0. U1 is the sites whose keys arrived.
     *
     * @return for each site in U1, the keys of its neighbours in U1, to relay to it
     * @throws SecAggAbortedException if |U1| &lt; t
     */
    public synchronized Map<Integer, List<AdvertisedKeys>> closeAdvertiseKeys() {
        requireStageToClose(Stage.COLLECTING_KEYS);
        requireAtLeastThreshold(advertised.size(), "advertised keys");
        Map<Integer, List<AdvertisedKeys>> relay = new TreeMap<>();
        for (int site : advertised.keySet()) {
            List<AdvertisedKeys> keys = new ArrayList<>();
            for (int neighbour : graph.neighbourView(site)) {
                AdvertisedKeys neighbourKeys = advertised.get(neighbour);
                if (neighbourKeys != null) {
                    keys.add(neighbourKeys);
                }
            }
            relay.put(site, List.copyOf(keys));
        }
        stage = Stage.COLLECTING_SHARES;
        return Collections.unmodifiableMap(relay);
    }

    /**
     * Stage 1: accepts the encrypted shares one site sends its neighbours. It must address every
     * neighbour in U1 exactly once, or pairwise masks would not cancel.
     */
    public synchronized void receiveShares(List<EncryptedShare> shares) {
        if (shares == null || shares.isEmpty() || shares.contains(null)) {
            throw new RejectedMessageException(
                    "A share upload is empty; a site sends one encrypted share per neighbour");
        }
        int from = requireSender(shares.get(0).sender(), shares.get(0).roundNonce(), Stage.COLLECTING_SHARES, "shares");
        if (!advertised.containsKey(from)) {
            throw new RejectedMessageException(
                    "Client " + from + " sent shares but did not advertise keys in time; it is out of" + " this round");
        }
        if (sharesBySender.containsKey(from)) {
            throw new RejectedMessageException("Client " + from + " already sent its shares for this round (replay?)");
        }
        SortedSet<Integer> expected = new TreeSet<>();
        for (int neighbour : graph.neighbourView(from)) {
            if (advertised.containsKey(neighbour)) {
                expected.add(neighbour);
            }
        }
        SortedSet<Integer> addressed = new TreeSet<>();
        for (EncryptedShare share : shares) {
            if (share.sender() != from || !parameters.hasNonce(share.roundNonce())) {
                throw new RejectedMessageException("The share upload of client " + from
                        + " mixes in a share from client " + share.sender() + " or from another round");
            }
            if (!addressed.add(share.recipient())) {
                throw new RejectedMessageException(
                        "Client " + from + " sent two shares to client " + share.recipient());
            }
        }
        if (!addressed.equals(expected)) {
            throw new RejectedMessageException(
                    "Client " + from + " addressed shares to " + addressed + " but its neighbours with" + " keys are "
                            + expected + "; every one of them must get exactly one share");
        }
        sharesBySender.put(from, List.copyOf(shares));
    }

    /**
     * Ends stage 1. U2 is the sites whose shares arrived.
     *
     * @return for each site in U2, the shares addressed to it by sites in U2, to relay to it
     * @throws SecAggAbortedException if |U2| &lt; t
     */
    public synchronized Map<Integer, List<EncryptedShare>> closeShareKeys() {
        requireStageToClose(Stage.COLLECTING_SHARES);
        requireAtLeastThreshold(sharesBySender.size(), "sent their shares");
        Map<Integer, List<EncryptedShare>> relay = new TreeMap<>();
        for (int site : sharesBySender.keySet()) {
            relay.put(site, new ArrayList<>());
            holdings.computeIfAbsent(site, s -> new TreeSet<>()).add(site);
            holdersOf.computeIfAbsent(site, s -> new TreeSet<>()).add(site);
        }
        sharesBySender.forEach((sender, shares) -> {
            for (EncryptedShare share : shares) {
                List<EncryptedShare> inbox = relay.get(share.recipient());
                if (inbox != null) { // recipients that sent no shares dropped out: nothing is relayed to them
                    inbox.add(share);
                    holdings.get(share.recipient()).add(sender);
                    holdersOf.get(sender).add(share.recipient());
                }
            }
        });
        sharesBySender.clear();
        relay.replaceAll((site, inbox) -> List.copyOf(inbox));
        stage = Stage.COLLECTING_INPUTS;
        return Collections.unmodifiableMap(relay);
    }

    /** Stage 2: folds one chunk of a site's masked input into the running sum. Chunks come in order. */
    public synchronized void receiveMaskedChunk(MaskedInputChunk chunk) {
        Objects.requireNonNull(chunk, "chunk");
        int from = requireSender(chunk.clientIndex(), chunk.roundNonce(), Stage.COLLECTING_INPUTS, "masked input");
        if (!holdings.containsKey(from)) {
            throw new RejectedMessageException(
                    "Client " + from + " sent masked input but did not send its shares in time;"
                            + " its masks could not be removed, so it is out of this round");
        }
        int[] values = chunk.values();
        String problem = accumulator.problemWith(from, chunk.offset(), values.length);
        if (problem != null) {
            throw new RejectedMessageException("Masked input rejected: " + problem);
        }
        accumulator.add(from, chunk.offset(), values);
    }

    /**
     * Stage 2, from a second aggregator: one chunk of the sum (mod 2^32) of the whole masked inputs
     * of {@code clients}, which another coordinator replica received, checked and added up. It
     * leaks nothing the server's own running sum would not: masked inputs reveal nothing until the
     * masks come off, and they come off only the total. Every client must have sent its shares in
     * time, none may already be in the sum, chunks come in order, and the clients count as having
     * sent their input only once the group's last chunk is in.
     */
    public synchronized void receiveMaskedPartialSum(
            SortedSet<Integer> clients, byte[] roundNonce, int offset, int[] values) {
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(values, "values");
        for (int client : clients) {
            requireSender(client, roundNonce, Stage.COLLECTING_INPUTS, "masked partial sum");
            if (!holdings.containsKey(client)) {
                throw new RejectedMessageException(
                        "Client " + client + " is in a masked partial sum but did not send its"
                                + " shares in time; its masks could not be removed, so the partial sum is refused");
            }
        }
        String problem = accumulator.problemWithGroup(clients, offset, values.length);
        if (problem != null) {
            throw new RejectedMessageException("Masked partial sum rejected: " + problem);
        }
        accumulator.addGroup(clients, offset, values);
    }

    /** Stage 2, whole input at once (in-process callers); same checks as chunk by chunk. */
    public synchronized void receiveMaskedInput(MaskedInput input) {
        Objects.requireNonNull(input, "input");
        if (input.values().length != accumulator.vectorLength()) {
            throw new RejectedMessageException("Masked input of client " + input.clientIndex() + " has "
                    + input.values().length + " values but the model has " + accumulator.vectorLength()
                    + "; the site quantized a different model");
        }
        receiveMaskedChunk(new MaskedInputChunk(input.roundNonce(), input.clientIndex(), 0, input.values()));
    }

    /**
     * Ends stage 2. U3 is the sites whose masked input arrived in full; partial uploads are taken
     * back out of the sum.
     *
     * @return the survivor set, to send to every site in U3 for signing
     * @throws SecAggAbortedException if |U3| &lt; t or the survivors could not reveal enough shares
     */
    public synchronized ConsistencyRequest closeMaskedInput() {
        requireStageToClose(Stage.COLLECTING_INPUTS);
        accumulator.discardIncomplete();
        survivorSet = Collections.unmodifiableSortedSet(accumulator.completed());
        survivors = survivorSet.stream().mapToInt(Integer::intValue).toArray();
        requireAtLeastThreshold(survivors.length, "sent their whole masked input");
        requireRecoverable(survivorSet, "sent their masked input");
        stage = Stage.COLLECTING_SIGNATURES;
        return new ConsistencyRequest(parameters.nonceView(), survivors);
    }

    /** Stage 3: accepts one survivor's signature over the survivor set. */
    public synchronized void receiveConsistencySignature(ConsistencySignature signature) {
        Objects.requireNonNull(signature, "signature");
        int from = requireSender(
                signature.clientIndex(), signature.roundNonce(), Stage.COLLECTING_SIGNATURES, "consistency signature");
        if (!survivorSet.contains(from)) {
            throw new RejectedMessageException(
                    "Client " + from + " is not a survivor of this round; its signature is ignored");
        }
        if (consistencySignatures.containsKey(from)) {
            throw new RejectedMessageException("Client " + from + " already signed the survivor set (replay?)");
        }
        SignatureVerifier verifier = verifiers.apply(from);
        if (verifier == null
                || !verifier.verify(
                        ConsistencySignature.signedBytes(parameters.nonceView(), survivors), signature.signature())) {
            throw new RejectedMessageException(
                    "The signature of client " + from + " over the survivor set does not verify; it"
                            + " signed a different set, or the signature was forged or altered");
        }
        consistencySignatures.put(from, signature);
    }

    /**
     * Ends stage 3. U4 is the survivors that signed.
     *
     * @return for each site in U4, what it must reveal: the self-mask shares it holds of survivors
     *     and the mask-key shares it holds of sites that dropped after sharing
     * @throws SecAggAbortedException if |U4| &lt; t or U4 could not reveal enough shares
     */
    public synchronized Map<Integer, UnmaskRequest> closeConsistencyCheck() {
        requireStageToClose(Stage.COLLECTING_SIGNATURES);
        requireAtLeastThreshold(consistencySignatures.size(), "signed the survivor set");
        requireRecoverable(consistencySignatures.keySet(), "signed the survivor set");
        List<ConsistencySignature> signatures = List.copyOf(consistencySignatures.values());
        Map<Integer, UnmaskRequest> requests = new TreeMap<>();
        for (int site : consistencySignatures.keySet()) {
            SortedSet<Integer> owners = holdings.get(site);
            int[] survivorsHeld = owners.stream()
                    .filter(survivorSet::contains)
                    .mapToInt(Integer::intValue)
                    .toArray();
            int[] droppedHeld = owners.stream()
                    .filter(o -> !survivorSet.contains(o))
                    .mapToInt(Integer::intValue)
                    .toArray();
            requests.put(
                    site,
                    new UnmaskRequest(parameters.nonceView(), site, survivors, signatures, survivorsHeld, droppedHeld));
        }
        unmaskRequests.putAll(requests);
        stage = Stage.COLLECTING_UNMASKING;
        return Collections.unmodifiableMap(requests);
    }

    /** Stage 4: accepts the shares one site revealed; they must be exactly those requested. */
    public synchronized void receiveUnmaskResponse(UnmaskResponse response) {
        Objects.requireNonNull(response, "response");
        int from = requireSender(
                response.clientIndex(), response.roundNonce(), Stage.COLLECTING_UNMASKING, "unmask response");
        UnmaskRequest request = unmaskRequests.get(from);
        if (request == null) {
            throw new RejectedMessageException(
                    "Client " + from + " was not asked to unmask (it did not sign the survivor set)");
        }
        if (responders.contains(from)) {
            throw new RejectedMessageException("Client " + from + " already answered the unmasking request (replay?)");
        }
        int[] selfOwners = response.selfMaskShares().stream()
                .mapToInt(RevealedShare::owner)
                .toArray();
        int[] keyOwners =
                response.keyShares().stream().mapToInt(RevealedShare::owner).toArray();
        if (!Arrays.equals(selfOwners, request.selfMaskOwners()) || !Arrays.equals(keyOwners, request.keyOwners())) {
            throw new RejectedMessageException("Client " + from
                    + " revealed shares of other sites than requested (self-mask " + Arrays.toString(selfOwners)
                    + ", keys " + Arrays.toString(keyOwners) + "); the response is ignored");
        }
        List<ShamirShare[]> decoded = new ArrayList<>();
        try {
            for (RevealedShare share : response.selfMaskShares()) {
                decoded.add(new ShamirShare[] {ShamirShare.decode(from + 1, share.share()), null});
            }
            for (RevealedShare share : response.keyShares()) {
                decoded.add(new ShamirShare[] {null, ShamirShare.decode(from + 1, share.share())});
            }
        } catch (IllegalArgumentException e) {
            throw new RejectedMessageException("Client " + from + " revealed a malformed share: " + e.getMessage(), e);
        }
        int i = 0;
        for (RevealedShare share : response.selfMaskShares()) {
            selfMaskShares
                    .computeIfAbsent(share.owner(), o -> new ArrayList<>())
                    .add(decoded.get(i++)[0]);
        }
        for (RevealedShare share : response.keyShares()) {
            keyShares.computeIfAbsent(share.owner(), o -> new ArrayList<>()).add(decoded.get(i++)[1]);
        }
        responders.add(from);
    }

    /**
     * Ends the round: rebuilds each survivor's self-mask seed and each dropped site's mask key from
     * the revealed shares, removes all masks from the running sum and releases it.
     *
     * @throws SecAggAbortedException if fewer than t sites answered, a secret has fewer than t
     *     shares, or the shares of a secret are inconsistent (a site lied); nothing is released
     */
    public synchronized AggregateSum finish() {
        requireStageToClose(Stage.COLLECTING_UNMASKING);
        requireAtLeastThreshold(responders.size(), "answered the unmasking request");
        int[] sum = accumulator.sum();
        byte[] nonce = parameters.nonceView();
        int threshold = parameters.threshold();
        // Every mask to remove is rebuilt and checked first, then all are removed in one pass over the sum.
        List<MaskPrg.Mask> masks = new ArrayList<>();
        try {
            for (int survivor : survivors) {
                byte[] seed = rebuild(selfMaskShares.get(survivor), "self-mask seed", survivor);
                masks.add(new MaskPrg.Mask(seed, true));
            }
            for (int dropped : droppedAfterSharing()) {
                byte[] maskKey = rebuild(keyShares.get(dropped), "mask key", dropped);
                if (!Arrays.equals(
                        X25519Keys.publicKeyOf(maskKey), advertised.get(dropped).maskPublicKey())) {
                    abortRound("the mask key rebuilt for dropped client " + dropped
                            + " does not match the key it advertised, so some" + " site revealed a wrong share (with "
                            + threshold + " shares a lie cannot be pinpointed)");
                }
                for (int survivor : holdersOf.get(dropped)) {
                    if (survivorSet.contains(survivor)) {
                        byte[] seed = PairwiseMasks.seed(
                                maskKey, dropped, advertised.get(survivor).maskPublicKey(), survivor, nonce);
                        // The survivor added its mask with the dropped site if it has the lower index; undo exactly
                        // that.
                        masks.add(new MaskPrg.Mask(seed, PairwiseMasks.adds(survivor, dropped)));
                    }
                }
                Arrays.fill(maskKey, (byte) 0);
            }
            MaskPrg.applyAll(masks, sum);
        } finally {
            for (MaskPrg.Mask mask : masks) {
                Arrays.fill(mask.seed(), (byte) 0);
            }
        }
        int[] result = sum.clone();
        accumulator.wipe();
        clearShares();
        stage = Stage.FINISHED;
        return new AggregateSum(nonce, survivors, result);
    }

    /**
     * Abandons the round (a deadline passed, the coordinator is shutting down): wipes the running
     * sum and all shares; later calls fail. Does nothing if the round already finished or aborted.
     */
    public synchronized void abandon(String reason) {
        if (stage != Stage.FINISHED && stage != Stage.ABORTED) {
            wipe("abandoned by the coordinator: " + reason);
        }
    }

    private byte[] rebuild(List<ShamirShare> shares, String what, int owner) {
        int available = shares == null ? 0 : shares.size();
        if (available < parameters.threshold()) {
            abortRound("only " + available + " shares of the " + what + " of client " + owner
                    + " were revealed, fewer than the" + " threshold " + parameters.threshold()
                    + "; too many of its neighbours dropped out before unmasking");
        }
        try {
            return ShamirSecretSharing.reconstruct(shares, parameters.threshold());
        } catch (IllegalArgumentException e) {
            abortRound(
                    "the shares of the " + what + " of client " + owner + " are inconsistent (" + e.getMessage() + ")");
            throw e; // unreachable: abortRound throws
        }
    }

    /** The sites of U2 \ U3 whose pairwise masks some survivor added: their mask keys must be rebuilt. */
    private SortedSet<Integer> droppedAfterSharing() {
        SortedSet<Integer> dropped = new TreeSet<>();
        for (int survivor : survivors) {
            for (int owner : holdings.get(survivor)) {
                if (!survivorSet.contains(owner)) {
                    dropped.add(owner);
                }
            }
        }
        return dropped;
    }

    /** Aborts unless every secret that unmasking needs has at least t potential revealers in {@code alive}. */
    private void requireRecoverable(Set<Integer> alive, String what) {
        for (int dropped : droppedAfterSharing()) {
            requireHolders(dropped, alive, "mask key", what);
        }
        for (int survivor : survivors) {
            requireHolders(survivor, alive, "self-mask seed", what);
        }
    }

    private void requireHolders(int owner, Set<Integer> alive, String secret, String what) {
        long count = holdersOf.get(owner).stream().filter(alive::contains).count();
        if (count < parameters.threshold()) {
            abortRound("only " + count + " of the sites holding shares of client " + owner + "'s " + secret + " " + what
                    + ", fewer than the threshold " + parameters.threshold() + ", so its mask could never be removed");
        }
    }

    private int requireSender(int clientIndex, byte[] nonce, Stage expected, String what) {
        if (stage == Stage.ABORTED) {
            throw new SecAggAbortedException("This round was aborted (" + abortReason + "); the " + what + " of client "
                    + clientIndex + " was ignored. The site should join the next round");
        }
        if (!parameters.hasNonce(nonce)) {
            throw new RejectedMessageException(
                    "The " + what + " of client " + clientIndex + " belongs to another round (its"
                            + " nonce differs); it is a replay or was misrouted and was ignored");
        }
        if (clientIndex >= parameters.numClients()) {
            throw new RejectedMessageException(
                    "Client index " + clientIndex + " is outside this round's 0.." + (parameters.numClients() - 1));
        }
        if (stage != expected) {
            throw new RejectedMessageException("The " + what + " of client " + clientIndex
                    + " arrived while the round is "
                    + stage.name().toLowerCase(Locale.ROOT).replace('_', ' ') + "; late sites count as dropped");
        }
        return clientIndex;
    }

    private void requireStageToClose(Stage expected) {
        if (stage == Stage.ABORTED) {
            throw new SecAggAbortedException("This round was aborted (" + abortReason + ") and releases nothing");
        }
        if (stage != expected) {
            throw new IllegalStateException("Cannot end stage " + expected + ": the round is " + stage
                    + "; close the stages in order, each once");
        }
    }

    private void requireAtLeastThreshold(int count, String what) {
        if (count < parameters.threshold()) {
            abortRound("only " + count + " sites " + what + ", fewer than the threshold " + parameters.threshold());
        }
    }

    private void abortRound(String reason) {
        wipe(reason);
        throw new SecAggAbortedException("Secure aggregation aborted and nothing was released: " + reason
                + ". Abandon this round (no privacy budget is spent) and start a new one with a fresh nonce");
    }

    private void wipe(String reason) {
        abortReason = reason;
        stage = Stage.ABORTED;
        accumulator.wipe();
        clearShares();
    }

    private void clearShares() {
        selfMaskShares.clear();
        keyShares.clear();
    }
}
