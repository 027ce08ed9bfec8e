package org.cohort.crypto.secagg;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.crypto.signature.UpdateSigner;

/**
 * One site's side of one secure-aggregation round (SecAgg+: Bonawitz et al. 2017 over the sparse
 * neighbour graph of Bell et al. 2020). Call the stages in order, each once:
 * {@link #advertiseKeys}, {@link #shareKeys}, {@link #maskInput}, {@link #checkConsistency},
 * {@link #unmask}.
 *
 * <p>Every incoming message is checked before anything changes: a message that fails (another
 * round, bad signature, tampered ciphertext, not from a neighbour) throws
 * {@link RejectedMessageException} and leaves the session as it was. A round that can no longer
 * succeed safely (too few neighbours to reach the threshold) throws
 * {@link SecAggAbortedException}; a dangerous unmasking request throws
 * {@link UnmaskRefusedException}. Both end the session and erase its secrets.
 *
 * <p>Not thread-safe: one site drives its own session, one stage after another.
 */
public final class SecAggClient {

    private enum Stage {
        NEW,
        KEYS_ADVERTISED,
        SHARES_SENT,
        INPUT_MASKED,
        CONSISTENCY_SIGNED,
        FINISHED,
        ABORTED
    }

    private final SecAggParameters parameters;
    private final int index;
    private final int[] neighbours;
    private final UpdateSigner signer;
    private final IntFunction<SignatureVerifier> verifiers;
    private final SecureRandom random;

    private Stage stage = Stage.NEW;
    private String abortReason;
    private X25519Keys encryptionKeys;
    private X25519Keys maskKeys;
    private byte[] selfMaskSeed;
    /** U1 as this site saw it: the neighbours whose signed keys it received. */
    private final SortedMap<Integer, AdvertisedKeys> neighbourKeys = new TreeMap<>();
    /** Shares this site holds, by owner: its own and those of the neighbours that shared with it (U2). */
    private final SortedMap<Integer, HeldShares> held = new TreeMap<>();
    /** Per neighbour in U1: the AES-GCM key for the shares exchanged with it, and the seed of the pairwise mask. */
    private final Map<Integer, byte[]> shareEncryptionKeys = new TreeMap<>();

    private final Map<Integer, byte[]> pairwiseSeeds = new TreeMap<>();
    private int[] signedSurvivors;

    /**
     * @param clientIndex this site's index in the round, 0..n-1, as assigned by the coordinator
     * @param signer this site's update-signing key; it signs the advertised keys and the survivor set
     * @param verifiers the update-verifying key of each site index in this round (from the
     *     coordinator's registry of enrolled sites), or null for an index it does not know
     */
    public SecAggClient(
            SecAggParameters parameters,
            int clientIndex,
            UpdateSigner signer,
            IntFunction<SignatureVerifier> verifiers) {
        this(parameters, clientIndex, signer, verifiers, Algorithms.random());
    }

    SecAggClient(
            SecAggParameters parameters,
            int clientIndex,
            UpdateSigner signer,
            IntFunction<SignatureVerifier> verifiers,
            SecureRandom random) {
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        if (clientIndex < 0 || clientIndex >= parameters.numClients()) {
            throw new IllegalArgumentException("Client index " + clientIndex + " is outside 0.."
                    + (parameters.numClients() - 1) + " for a round of " + parameters.numClients() + " sites");
        }
        this.index = clientIndex;
        this.neighbours = NeighbourGraph.of(parameters).neighbourView(clientIndex);
        this.signer = Objects.requireNonNull(signer, "signer");
        this.verifiers = Objects.requireNonNull(verifiers, "verifiers");
        this.random = Objects.requireNonNull(random, "random");
    }

    public int clientIndex() {
        return index;
    }

    /** This site's neighbours in the round's graph (the sites it shares secrets and masks with). */
    public int[] neighbours() {
        return neighbours.clone();
    }

    /** Stage 0: fresh X25519 key pairs and self-mask seed for this round, the public keys signed. */
    public AdvertisedKeys advertiseKeys() {
        requireStage(Stage.NEW, "advertise its keys", "it already advertised keys for this round");
        encryptionKeys = X25519Keys.generate(random);
        maskKeys = X25519Keys.generate(random);
        selfMaskSeed = new byte[ShamirSecretSharing.SECRET_BYTES];
        random.nextBytes(selfMaskSeed);
        byte[] nonce = parameters.nonceView();
        byte[] signature =
                signer.sign(AdvertisedKeys.signedBytes(nonce, index, encryptionKeys.publicKey(), maskKeys.publicKey()));
        stage = Stage.KEYS_ADVERTISED;
        return new AdvertisedKeys(nonce, index, encryptionKeys.publicKey(), maskKeys.publicKey(), signature);
    }

    /**
     * Stage 1: checks the neighbours' keys relayed by the server, then Shamir-shares the self-mask
     * seed and the mask key among those neighbours and this site, threshold t, each neighbour's
     * pair of shares encrypted for it alone.
     *
     * @return one encrypted share per neighbour whose keys arrived, for the server to relay
     * @throws RejectedMessageException if a key is from another round, not from a neighbour,
     *     duplicated or not signed by that site (nothing changes; the server should resend)
     * @throws SecAggAbortedException if fewer than t - 1 neighbours advertised keys
     */
    public List<EncryptedShare> shareKeys(List<AdvertisedKeys> neighbourAdvertisements) {
        requireStage(
                Stage.KEYS_ADVERTISED,
                "share its keys",
                stage == Stage.NEW ? "call advertiseKeys() first" : "it already shared keys for this round");
        Objects.requireNonNull(neighbourAdvertisements, "neighbourAdvertisements");
        SortedMap<Integer, AdvertisedKeys> accepted = new TreeMap<>();
        Map<Integer, byte[]> shareKeysByPeer = new TreeMap<>();
        Map<Integer, byte[]> seedsByPeer = new TreeMap<>();
        byte[] nonce = parameters.nonceView();
        try {
            for (AdvertisedKeys keys : neighbourAdvertisements) {
                checkAdvertisement(keys, accepted);
                int peer = keys.clientIndex();
                try {
                    // Both key agreements now, so that a bad key is refused before this session changes.
                    shareKeysByPeer.put(
                            peer, ShareCipher.pairKey(encryptionKeys.privateKey(), keys.encryptionPublicKey(), nonce));
                    seedsByPeer.put(
                            peer, PairwiseMasks.seed(maskKeys.privateKey(), index, keys.maskPublicKey(), peer, nonce));
                } catch (IllegalArgumentException e) {
                    throw new RejectedMessageException(
                            "Keys of client " + peer + " are unusable (" + e.getMessage() + ")", e);
                }
                accepted.put(peer, keys);
            }
        } catch (RejectedMessageException e) {
            shareKeysByPeer.values().forEach(key -> Arrays.fill(key, (byte) 0));
            seedsByPeer.values().forEach(seed -> Arrays.fill(seed, (byte) 0));
            throw e;
        }
        if (accepted.size() + 1 < parameters.threshold()) {
            abort("client " + index + " received keys from only " + accepted.size() + " of its " + neighbours.length
                    + " neighbours; with itself that is fewer than the threshold " + parameters.threshold()
                    + ", so its secrets could not be rebuilt if it dropped. Nothing was shared; the round must be restarted"
                    + " with more sites online or a lower degree");
        }
        neighbourKeys.putAll(accepted);
        shareEncryptionKeys.putAll(shareKeysByPeer);
        pairwiseSeeds.putAll(seedsByPeer);

        int[] holders = new int[accepted.size() + 1];
        int h = 0;
        holders[h++] = index + 1;
        for (int neighbour : accepted.keySet()) {
            holders[h++] = neighbour + 1; // Shamir index = client index + 1 (0 is the secret)
        }
        List<ShamirShare> selfMaskShares =
                ShamirSecretSharing.split(selfMaskSeed, parameters.threshold(), holders, random);
        List<ShamirShare> keyShares =
                ShamirSecretSharing.split(maskKeys.privateKey(), parameters.threshold(), holders, random);
        held.put(index, new HeldShares(selfMaskShares.get(0), keyShares.get(0)));

        List<EncryptedShare> out = new ArrayList<>(accepted.size());
        int position = 1;
        for (int neighbour : accepted.keySet()) {
            byte[] plaintext = HeldShares.encode(selfMaskShares.get(position), keyShares.get(position));
            out.add(new EncryptedShare(
                    nonce,
                    index,
                    neighbour,
                    ShareCipher.seal(shareEncryptionKeys.get(neighbour), nonce, index, neighbour, plaintext, random)));
            Arrays.fill(plaintext, (byte) 0);
            position++;
        }
        stage = Stage.SHARES_SENT;
        return out;
    }

    /**
     * Stage 2: decrypts the shares neighbours sent this site, then masks {@code input} (the site's
     * quantized update) as y = x + PRG(b) + Σ ±PRG(s_ij) over the neighbours j that shared with it.
     * Afterwards this site's own secret keys and seed are erased: they live on only as shares.
     *
     * @throws RejectedMessageException if a share is from another round, for another site, from a
     *     site whose keys this site never accepted, duplicated, or fails AES-GCM authentication
     * @throws SecAggAbortedException if fewer than t - 1 neighbours sent shares
     */
    public MaskedInput maskInput(List<EncryptedShare> sharesForThisClient, int[] input) {
        requireStage(
                Stage.SHARES_SENT,
                "mask its input",
                stage.ordinal() < Stage.SHARES_SENT.ordinal()
                        ? "call shareKeys() first"
                        : "it already sent its masked input for this round");
        Objects.requireNonNull(sharesForThisClient, "sharesForThisClient");
        if (input == null || input.length == 0) {
            throw new IllegalArgumentException("Client " + index + " has no input to mask; quantize the update first");
        }
        byte[] nonce = parameters.nonceView();
        SortedMap<Integer, HeldShares> received = new TreeMap<>();
        for (EncryptedShare share : sharesForThisClient) {
            checkShareEnvelope(share, received);
            Optional<byte[]> plaintext = ShareCipher.open(
                    shareEncryptionKeys.get(share.sender()), nonce, share.sender(), index, share.ciphertext());
            if (plaintext.isEmpty()) {
                throw new RejectedMessageException(
                        "The encrypted share from client " + share.sender() + " to client " + index
                                + " fails AES-GCM authentication: it was tampered with, corrupted, or re-addressed in transit. It was"
                                + " ignored; ask the server to resend it, and abandon the round if it fails again");
            }
            try {
                received.put(share.sender(), HeldShares.decode(plaintext.get(), index + 1));
            } catch (IllegalArgumentException e) {
                throw new RejectedMessageException(
                        "The share from client " + share.sender() + " decrypts but is malformed (" + e.getMessage()
                                + "); client " + share.sender() + " is faulty",
                        e);
            }
        }
        if (received.size() + 1 < parameters.threshold()) {
            abort("only " + received.size() + " neighbours of client " + index
                    + " sent it their shares; with its own that is" + " fewer than the threshold "
                    + parameters.threshold() + ". Its input was not sent; the round must be restarted");
        }
        held.putAll(received);

        int[] masked = input.clone();
        List<MaskPrg.Mask> masks = new ArrayList<>();
        masks.add(new MaskPrg.Mask(selfMaskSeed, false));
        for (int peer : received.keySet()) {
            masks.add(new MaskPrg.Mask(pairwiseSeeds.get(peer), !PairwiseMasks.adds(index, peer)));
        }
        MaskPrg.applyAll(masks, masked); // one pass over the vector for all of them
        eraseOwnSecrets();
        stage = Stage.INPUT_MASKED;
        return new MaskedInput(nonce, index, masked);
    }

    /**
     * Stage 3: signs the survivor set U3 after checking that it includes this site, reaches the
     * threshold, and lists no neighbour that never shared with this site.
     *
     * @throws RejectedMessageException if the request is from another round or inconsistent with
     *     what this site saw (nothing is signed)
     * @throws SecAggAbortedException if U3 has fewer than t sites
     */
    public ConsistencySignature checkConsistency(ConsistencyRequest request) {
        requireStage(
                Stage.INPUT_MASKED,
                "sign the survivor set",
                stage.ordinal() < Stage.INPUT_MASKED.ordinal()
                        ? "call maskInput() first"
                        : "it already signed a survivor set for this round");
        Objects.requireNonNull(request, "request");
        requireThisRound(request.roundNonce(), "consistency request");
        int[] survivors = request.survivors();
        if (Arrays.binarySearch(survivors, index) < 0) {
            throw new RejectedMessageException(
                    "The survivor set sent to client " + index + " does not contain it, although it"
                            + " sent its masked input; the server is faulty or the request was meant for another round");
        }
        for (int survivor : survivors) {
            if (survivor >= parameters.numClients()) {
                throw new RejectedMessageException("The survivor set names client " + survivor
                        + ", but the round has only " + parameters.numClients() + " sites");
            }
            if (survivor != index && Arrays.binarySearch(neighbours, survivor) >= 0 && !held.containsKey(survivor)) {
                throw new RejectedMessageException(
                        "The survivor set names neighbour " + survivor + ", which never sent client " + index
                                + " its shares; its masks could not cancel. The server shows sites inconsistent views; not signed");
            }
        }
        if (survivors.length < parameters.threshold()) {
            abort("only " + survivors.length + " sites survived to the consistency check, fewer than the threshold "
                    + parameters.threshold() + "; a sum over so few sites is not released");
        }
        byte[] signature = signer.sign(ConsistencySignature.signedBytes(parameters.nonceView(), survivors));
        signedSurvivors = survivors;
        stage = Stage.CONSISTENCY_SIGNED;
        return new ConsistencySignature(parameters.nonceView(), index, signature);
    }

    /**
     * Stage 4: for each requested neighbour, reveals the share of its self-mask seed (if it
     * survived) or of its mask key (if it dropped) — never both for one site. Answers once.
     *
     * @throws RejectedMessageException if the request is for another round or another site
     * @throws UnmaskRefusedException if the request asks for both shares of one site, a key share
     *     of a survivor or of this site, a self-mask share of a dropped site, a share this site does
     *     not hold, names a survivor set other than the one it signed, or lacks t valid signatures
     *     on that set; the session is then abandoned and its shares erased
     */
    public UnmaskResponse unmask(UnmaskRequest request) {
        requireStage(
                Stage.CONSISTENCY_SIGNED,
                "reveal shares",
                stage.ordinal() < Stage.CONSISTENCY_SIGNED.ordinal()
                        ? "call checkConsistency() first"
                        : "it already answered an unmasking request for this round, and answers only one");
        Objects.requireNonNull(request, "request");
        requireThisRound(request.roundNonce(), "unmask request");
        if (request.recipient() != index) {
            throw new RejectedMessageException("Unmask request addressed to client " + request.recipient()
                    + " reached client " + index + "; it was misrouted");
        }
        for (int owner : request.selfMaskOwners()) {
            if (Arrays.binarySearch(request.keyOwners(), owner) >= 0) {
                refuse("asks for both the self-mask share and the mask-key share of client " + owner
                        + "; together they would" + " reveal that site's update");
            }
        }
        if (!Arrays.equals(request.survivors(), signedSurvivors)) {
            refuse("names survivors " + Arrays.toString(request.survivors()) + " but client " + index + " signed "
                    + Arrays.toString(signedSurvivors) + "; the server is showing sites different survivor sets");
        }
        requireSurvivorSignatures(request.signatures());
        List<RevealedShare> selfMaskShares = new ArrayList<>();
        for (int owner : request.selfMaskOwners()) {
            if (Arrays.binarySearch(signedSurvivors, owner) < 0) {
                refuse("asks for the self-mask share of client " + owner
                        + ", which is not in the survivor set; with its mask key"
                        + " that would expose its update should its masked input surface");
            }
            selfMaskShares.add(
                    new RevealedShare(owner, heldShares(owner).selfMask().encodedValue()));
        }
        List<RevealedShare> keyShares = new ArrayList<>();
        for (int owner : request.keyOwners()) {
            if (owner == index || Arrays.binarySearch(signedSurvivors, owner) >= 0) {
                refuse("asks for the mask-key share of client " + owner
                        + ", which is in the survivor set; with its self-mask" + " share that would expose its update");
            }
            keyShares.add(new RevealedShare(owner, heldShares(owner).maskKey().encodedValue()));
        }
        held.clear();
        stage = Stage.FINISHED;
        return new UnmaskResponse(parameters.nonceView(), index, selfMaskShares, keyShares);
    }

    private void checkAdvertisement(AdvertisedKeys keys, Map<Integer, AdvertisedKeys> acceptedSoFar) {
        if (keys == null) {
            throw new RejectedMessageException("A relayed key advertisement is null");
        }
        int from = keys.clientIndex();
        requireThisRound(keys.roundNonce(), "advertised keys of client " + from);
        if (Arrays.binarySearch(neighbours, from) < 0) {
            throw new RejectedMessageException("Keys of client " + from + " were relayed to client " + index
                    + ", which is not" + " its neighbour in this round's graph (or is itself); the server is faulty");
        }
        if (acceptedSoFar.containsKey(from)) {
            throw new RejectedMessageException("Keys of client " + from + " were relayed twice to client " + index
                    + "; a replay or a faulty server");
        }
        if (Arrays.equals(keys.encryptionPublicKey(), keys.maskPublicKey())
                || Arrays.equals(keys.encryptionPublicKey(), encryptionKeys.publicKey())
                || Arrays.equals(keys.maskPublicKey(), maskKeys.publicKey())) {
            throw new RejectedMessageException("Keys of client " + from + " repeat one another or reflect client "
                    + index + "'s own keys; honest sites draw fresh, independent keys");
        }
        SignatureVerifier verifier = verifiers.apply(from);
        if (verifier == null) {
            throw new RejectedMessageException(
                    "Client " + index + " has no verifying key for client " + from
                            + "; it cannot tell its keys from keys the server made up. Give the session the round's site registry");
        }
        if (!verifier.verify(keys.signedBytes(), keys.signature())) {
            throw new RejectedMessageException(
                    "The signature of client " + from + " over its advertised keys does not verify:"
                            + " the keys were altered in transit or signed by another site");
        }
    }

    private void checkShareEnvelope(EncryptedShare share, Map<Integer, HeldShares> receivedSoFar) {
        if (share == null) {
            throw new RejectedMessageException("A relayed encrypted share is null");
        }
        requireThisRound(share.roundNonce(), "encrypted share from client " + share.sender());
        if (share.recipient() != index) {
            throw new RejectedMessageException("A share for client " + share.recipient() + " was delivered to client "
                    + index + "; it was misrouted");
        }
        if (!neighbourKeys.containsKey(share.sender())) {
            throw new RejectedMessageException("Client " + index + " got a share from client " + share.sender()
                    + ", whose keys it never accepted in this round");
        }
        if (receivedSoFar.containsKey(share.sender())) {
            throw new RejectedMessageException("Client " + index + " got two shares from client " + share.sender()
                    + "; a replay or a faulty server");
        }
    }

    private void requireSurvivorSignatures(List<ConsistencySignature> signatures) {
        byte[] signedBytes = ConsistencySignature.signedBytes(parameters.nonceView(), signedSurvivors);
        Set<Integer> valid = new HashSet<>();
        for (ConsistencySignature signature : signatures) {
            int from = signature.clientIndex();
            if (parameters.hasNonce(signature.roundNonce()) && Arrays.binarySearch(signedSurvivors, from) >= 0) {
                SignatureVerifier verifier = verifiers.apply(from);
                if (verifier != null && verifier.verify(signedBytes, signature.signature())) {
                    valid.add(from);
                    if (valid.size() == parameters.threshold()) {
                        return; // t agreeing survivors suffice; verifying the rest would only cost time
                    }
                }
            }
        }
        if (valid.size() < parameters.threshold()) {
            refuse("carries valid signatures on the survivor set from only " + valid.size()
                    + " survivors, fewer than the" + " threshold " + parameters.threshold()
                    + "; sites may have been shown different survivor sets");
        }
    }

    private HeldShares heldShares(int owner) {
        HeldShares shares = held.get(owner);
        if (shares == null) {
            refuse("asks for a share of client " + owner + ", which client " + index
                    + " does not hold (not a neighbour that" + " shared with it)");
        }
        return shares;
    }

    private void requireThisRound(byte[] nonce, String what) {
        if (!parameters.hasNonce(nonce)) {
            throw new RejectedMessageException("The " + what + " belongs to another round (its nonce differs from this"
                    + " round's); it is a replay or was misrouted and was ignored");
        }
    }

    private void requireStage(Stage expected, String action, String hint) {
        if (stage == Stage.ABORTED) {
            throw new SecAggAbortedException(
                    "Client " + index + " cannot " + action + ": it abandoned this round earlier (" + abortReason
                            + "). Join the next round with a new session");
        }
        if (stage != expected) {
            throw new IllegalStateException("Client " + index + " cannot " + action + " now: " + hint);
        }
    }

    private void abort(String reason) {
        erase(reason);
        throw new SecAggAbortedException("Secure aggregation aborted: " + reason);
    }

    private void refuse(String what) {
        String reason = "the unmask request to client " + index + " " + what;
        erase(reason);
        throw new UnmaskRefusedException(
                "Refused: " + reason + ". Client " + index + " revealed nothing and abandoned the"
                        + " round; report this to the site admin, the coordinator may be compromised");
    }

    private void erase(String reason) {
        abortReason = reason;
        stage = Stage.ABORTED;
        eraseOwnSecrets();
        held.clear();
    }

    private void eraseOwnSecrets() {
        if (encryptionKeys != null) {
            encryptionKeys.destroy();
        }
        if (maskKeys != null) {
            maskKeys.destroy();
        }
        if (selfMaskSeed != null) {
            Arrays.fill(selfMaskSeed, (byte) 0);
        }
        shareEncryptionKeys.values().forEach(key -> Arrays.fill(key, (byte) 0));
        pairwiseSeeds.values().forEach(seed -> Arrays.fill(seed, (byte) 0));
        shareEncryptionKeys.clear();
        pairwiseSeeds.clear();
    }
}
