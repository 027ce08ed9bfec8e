package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.cohort.crypto.secagg.TestRound.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whole rounds end to end: the released sum is exact, and nothing is released when it should not be. */
class SecAggRoundTest {

    private static final int LENGTH = 1_000;

    static Stream<Arguments> dropoutScenarios() {
        List<Arguments> scenarios = new ArrayList<>();
        for (int n : new int[] {3, 10, 25}) {
            scenarios.add(Arguments.of(n, 0.0, Stage.AFTER_MASKED_INPUT));
            for (double fraction : new double[] {0.1, 0.3}) {
                for (Stage stage : Stage.values()) {
                    scenarios.add(Arguments.of(n, fraction, stage));
                }
            }
        }
        return scenarios.stream();
    }

    @ParameterizedTest(name = "n={0}, {1} of sites drop {2}")
    @MethodSource("dropoutScenarios")
    void unmaskedSumEqualsPlaintextSumExactly(int n, double fraction, Stage stage) {
        TestRound round = TestRound.withDefaults(n, LENGTH);
        Set<Integer> dropped = round.pick((int) Math.round(fraction * n), n * 31L + stage.ordinal());

        AggregateSum result = round.run(stage, dropped);

        int[] expectedSurvivors = survivorsWithout(n, stage == Stage.AFTER_MASKED_INPUT ? Set.of() : dropped);
        assertThat(result.survivors()).containsExactly(expectedSurvivors);
        assertThat(result.sum()).containsExactly(round.plaintextSum(expectedSurvivors));
    }

    @Test
    void unmaskedSumEqualsPlaintextSumWhenSitesDropAtEveryStage() {
        TestRound round = TestRound.withDefaults(25, LENGTH);
        round.advertise();
        round.drop(Set.of(3, 11));
        round.shareKeys();
        round.drop(Set.of(0, 17));
        round.maskInputs();
        round.drop(Set.of(5, 24));
        round.checkConsistency();
        round.drop(Set.of(8));

        AggregateSum result = round.unmaskAndFinish();

        int[] survivors = survivorsWithout(25, Set.of(3, 11, 0, 17));
        assertThat(result.sum()).containsExactly(round.plaintextSum(survivors));
    }

    @Test
    void unmaskedSumEqualsPlaintextSumOnASparseGraph() {
        TestRound round = TestRound.withDefaults(60, 257);
        assertThat(round.parameters.degree()).isEqualTo(24).isLessThan(59);
        Set<Integer> dropped = round.pick(6, 7);

        AggregateSum result = round.run(Stage.AFTER_SHARE_KEYS, dropped);

        assertThat(result.sum()).containsExactly(round.plaintextSum(survivorsWithout(60, dropped)));
    }

    @Test
    void unmaskedSumIsExactEvenWhenInputsWrapAroundTheRing() {
        TestRound round = TestRound.withDefaults(5, 64);
        for (int[] input : round.inputs) {
            java.util.Arrays.fill(input, Integer.MAX_VALUE - 3); // the plaintext sum itself wraps modulo 2^32
        }
        AggregateSum result = round.run(Stage.AFTER_SHARE_KEYS, Set.of(2));

        assertThat(result.sum()).containsExactly(round.plaintextSum(new int[] {0, 1, 3, 4}));
    }

    @Test
    void aNarrowRingSumIsExactFromTheLow16BitsOfEveryMaskedInput() {
        int n = 12;
        TestRound round = TestRound.withDefaults(n, 300);
        round.narrow = true;
        var quantizer = new RingQuantizer(n, 1.0, RingQuantizer.NARROW_RING_BITS);
        var random = new java.util.Random(5);
        double[][] updates = new double[n][300];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 300; j++) {
                // Every third coordinate at the clip: sums reach ±n·L, the edge of the 16-bit bound.
                updates[i][j] = j % 3 == 0 ? (j % 2 == 0 ? 1.5 : -1.5) : random.nextGaussian() * 0.3;
            }
            round.inputs[i] = quantizer.quantize(updates[i]);
        }
        AggregateSum result = round.run(Stage.AFTER_SHARE_KEYS, Set.of(4));

        int[] survivors = survivorsWithout(n, Set.of(4));
        double[] decoded = quantizer.decode(result.sum());
        int[] exact = round.plaintextSum(survivors); // in Z(2^32): no wrap, |Σq| ≤ n·L < 2^15
        for (int j = 0; j < 300; j++) {
            assertThat(decoded[j]).isEqualTo(exact[j] / quantizer.scale());
        }
        assertThat(Math.abs(exact[0])).isEqualTo((n - 1) * quantizer.maxLevel());
        assertThat((long) n * quantizer.maxLevel()).isLessThanOrEqualTo((1 << 15) - 1);
    }

    @Test
    void partialUploadIsTakenBackOutAndTheSiteCountsAsDropped() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        round.advertise();
        round.shareKeys();
        for (int i = 0; i < 10; i++) {
            MaskedInput masked = round.clients.get(i).maskInput(round.relayedShares.get(i), round.inputs[i]);
            List<MaskedInputChunk> chunks = masked.chunks(300);
            for (MaskedInputChunk chunk : i == 4 ? chunks.subList(0, 2) : chunks) { // site 4's connection breaks
                round.server.receiveMaskedChunk(chunk);
            }
        }
        round.consistencyRequest = round.server.closeMaskedInput();
        round.drop(Set.of(4));
        round.checkConsistency();

        AggregateSum result = round.unmaskAndFinish();

        assertThat(result.survivors()).doesNotContain(4);
        assertThat(result.sum()).containsExactly(round.plaintextSum(survivorsWithout(10, Set.of(4))));
    }

    /** Every site's masked input (a site masks once per round). */
    private static int[][] maskAll(TestRound round) {
        int[][] masked = new int[round.clients.size()][];
        for (int i = 0; i < masked.length; i++) {
            masked[i] = round.clients
                    .get(i)
                    .maskInput(round.relayedShares.get(i), round.inputs[i])
                    .values();
        }
        return masked;
    }

    /** Masked inputs of {@code clients}, summed in the ring as another coordinator replica would sum them. */
    private static int[] partialSum(int[][] masked, Set<Integer> clients) {
        int[] sum = new int[masked[0].length];
        for (int i : clients) {
            for (int k = 0; k < sum.length; k++) {
                sum[k] += masked[i][k]; // int overflow is addition modulo 2^32
            }
        }
        return sum;
    }

    private static void send(TestRound round, int[][] masked, int... clients) {
        for (int i : clients) {
            round.server.receiveMaskedInput(new MaskedInput(round.parameters.nonceView(), i, masked[i]));
        }
    }

    @Test
    void partialSumsFromOtherReplicasUnmaskToThePlaintextSum() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        round.advertise();
        round.shareKeys();
        int[][] masked = maskAll(round);
        var first = new TreeSet<>(Set.of(0, 1, 2, 3));
        var second = new TreeSet<>(Set.of(4, 6, 7));
        int[] a = partialSum(masked, first);
        int[] b = partialSum(masked, second);
        round.server.receiveMaskedPartialSum(
                first, round.parameters.nonceView(), 0, java.util.Arrays.copyOfRange(a, 0, 600));
        round.server.receiveMaskedPartialSum(
                first, round.parameters.nonceView(), 600, java.util.Arrays.copyOfRange(a, 600, LENGTH));
        round.server.receiveMaskedPartialSum(second, round.parameters.nonceView(), 0, b);
        // Sites 5 and 8 uploaded to the driver itself; site 9 dropped before sending its input.
        send(round, masked, 5, 8);
        round.consistencyRequest = round.server.closeMaskedInput();
        round.drop(Set.of(9));
        round.checkConsistency();

        AggregateSum result = round.unmaskAndFinish();

        assertThat(result.survivors()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(result.sum()).containsExactly(round.plaintextSum(survivorsWithout(10, Set.of(9))));
    }

    @Test
    void aPartialSumCannotCountASiteTwiceAndAnIncompleteOneIsTakenBackOut() {
        TestRound round = TestRound.withDefaults(6, LENGTH);
        round.advertise();
        round.shareKeys();
        int[][] masked = maskAll(round);
        var group = new TreeSet<>(Set.of(0, 1));
        send(round, masked, 1);
        assertThatThrownBy(() -> round.server.receiveMaskedPartialSum(
                        group, round.parameters.nonceView(), 0, partialSum(masked, group)))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("twice");
        var late = new TreeSet<>(Set.of(2, 3));
        int[] partial = partialSum(masked, late);
        var pair = new TreeSet<>(Set.of(4, 5));
        round.server.receiveMaskedPartialSum(pair, round.parameters.nonceView(), 0, partialSum(masked, pair));
        assertThatThrownBy(() -> send(round, masked, 5))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> round.server.receiveMaskedPartialSum(late, round.parameters.nonceView(), 10, partial))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("in order");
        // The replica holding 2 and 3 is lost after its first chunk: both count as dropped, the sum stays exact.
        round.server.receiveMaskedPartialSum(
                late, round.parameters.nonceView(), 0, java.util.Arrays.copyOf(partial, 100));
        send(round, masked, 0);
        round.consistencyRequest = round.server.closeMaskedInput();
        round.drop(Set.of(2, 3));
        round.checkConsistency();

        AggregateSum result = round.unmaskAndFinish();

        assertThat(result.survivors()).containsExactly(0, 1, 4, 5);
        assertThat(result.sum()).containsExactly(round.plaintextSum(new int[] {0, 1, 4, 5}));
    }

    @Test
    void abortsAndReleasesNothingBelowThreshold() {
        // Too few sites advertise keys.
        TestRound early = TestRound.withDefaults(10, LENGTH);
        int t = early.parameters.threshold();
        early.drop(early.pick(10 - t + 1, 1));
        assertThatThrownBy(early::advertise)
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("fewer than the threshold")
                .hasMessageContaining("nothing was released");
        assertThatThrownBy(early.server::closeShareKeys).isInstanceOf(SecAggAbortedException.class);

        // Enough masked inputs, but too few survivors sign the consistency check.
        TestRound late = TestRound.withDefaults(10, LENGTH);
        late.advertise();
        late.shareKeys();
        late.maskInputs();
        late.drop(late.pick(10 - t + 1, 2));
        assertThatThrownBy(late::checkConsistency)
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("signed the survivor set");
        assertThatThrownBy(late.server::finish)
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("releases nothing");

        // Everyone signs, but too few answer the unmasking request: finish() releases nothing.
        TestRound last = TestRound.withDefaults(10, LENGTH);
        last.advertise();
        last.shareKeys();
        last.maskInputs();
        last.checkConsistency();
        for (int i = 0; i < t - 1; i++) {
            last.server.receiveUnmaskResponse(last.clients.get(i).unmask(last.unmaskRequests.get(i)));
        }
        assertThatThrownBy(last.server::finish)
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("answered the unmasking request");
        assertThatThrownBy(last.server::finish).isInstanceOf(SecAggAbortedException.class);
        assertThatThrownBy(() ->
                        last.server.receiveUnmaskResponse(last.clients.get(t).unmask(last.unmaskRequests.get(t))))
                .isInstanceOf(SecAggAbortedException.class);
    }

    @Test
    void abortsWhenTooFewNeighboursOfADroppedSiteRemainToRebuildItsKey() {
        TestRound round = TestRound.withDefaults(60, 64); // sparse: k = 24, t = 13
        round.advertise();
        round.shareKeys();
        round.drop(Set.of(0));
        round.maskInputs();
        int[] neighbours = round.server.graph().neighboursOf(0);
        Set<Integer> gone = new TreeSet<>();
        for (int i = 0; i < round.parameters.degree() - round.parameters.threshold() + 1; i++) {
            gone.add(neighbours[i]);
        }
        round.drop(gone); // 12 of 24 neighbours do not sign: 12 < t = 13 holders of site 0's key remain

        assertThatThrownBy(round::checkConsistency)
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("client 0's mask key");
    }

    @Test
    void clientRefusesToRevealBothSharesForOneSite() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        round.advertise();
        round.shareKeys();
        round.drop(Set.of(7));
        round.maskInputs();
        round.checkConsistency();
        UnmaskRequest honest = round.unmaskRequests.get(1);
        UnmaskRequest greedy = new UnmaskRequest(
                honest.roundNonce(),
                1,
                honest.survivors(),
                honest.signatures(),
                honest.selfMaskOwners(),
                union(honest.keyOwners(), 2));

        assertThatThrownBy(() -> round.clients.get(1).unmask(greedy))
                .isInstanceOf(UnmaskRefusedException.class)
                .hasMessageContaining("both the self-mask share and the mask-key share of client 2");
        assertThatThrownBy(() -> round.clients.get(1).unmask(honest))
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("abandoned this round");
    }

    @Test
    void clientRefusesToRevealTheKeyShareOfASurvivor() {
        TestRound round = readyToUnmask(10);
        UnmaskRequest honest = round.unmaskRequests.get(1);
        UnmaskRequest keyOfSurvivor = new UnmaskRequest(
                honest.roundNonce(),
                1,
                honest.survivors(),
                honest.signatures(),
                without(honest.selfMaskOwners(), 2),
                union(honest.keyOwners(), 2));

        assertThatThrownBy(() -> round.clients.get(1).unmask(keyOfSurvivor))
                .isInstanceOf(UnmaskRefusedException.class)
                .hasMessageContaining("mask-key share of client 2, which is in the survivor set");
    }

    @Test
    void clientRefusesASurvivorSetOtherThanTheOneItSigned() {
        TestRound round = readyToUnmask(10);
        UnmaskRequest honest = round.unmaskRequests.get(1);
        // The server claims site 2 dropped (to get its key share) though site 1 signed a set containing it.
        UnmaskRequest rewritten = new UnmaskRequest(
                honest.roundNonce(),
                1,
                without(honest.survivors(), 2),
                honest.signatures(),
                without(honest.selfMaskOwners(), 2),
                new int[] {2});

        assertThatThrownBy(() -> round.clients.get(1).unmask(rewritten))
                .isInstanceOf(UnmaskRefusedException.class)
                .hasMessageContaining("different survivor sets");
    }

    @Test
    void clientRefusesUnmaskingWithoutThresholdSignaturesOnTheSurvivorSet() {
        TestRound round = readyToUnmask(10);
        UnmaskRequest honest = round.unmaskRequests.get(1);
        UnmaskRequest unsigned = new UnmaskRequest(
                honest.roundNonce(),
                1,
                honest.survivors(),
                honest.signatures().subList(0, round.parameters.threshold() - 1),
                honest.selfMaskOwners(),
                honest.keyOwners());

        assertThatThrownBy(() -> round.clients.get(1).unmask(unsigned))
                .isInstanceOf(UnmaskRefusedException.class)
                .hasMessageContaining("valid signatures on the survivor set from only");
    }

    @Test
    void clientAnswersOnlyOneUnmaskRequest() {
        TestRound round = readyToUnmask(10);
        round.clients.get(1).unmask(round.unmaskRequests.get(1));

        assertThatThrownBy(() -> round.clients.get(1).unmask(round.unmaskRequests.get(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("answers only one");
    }

    @Test
    void rejectsTamperedShareCiphertext() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        round.advertise();
        round.shareKeys();
        List<EncryptedShare> delivered = round.relayedShares.get(3);
        List<EncryptedShare> tampered = new ArrayList<>(delivered);
        EncryptedShare original = tampered.get(0);
        byte[] ciphertext = original.ciphertext();
        ciphertext[ciphertext.length / 2] ^= 1;
        tampered.set(0, new EncryptedShare(original.roundNonce(), original.sender(), original.recipient(), ciphertext));

        assertThatThrownBy(() -> round.clients.get(3).maskInput(tampered, round.inputs[3]))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("fails AES-GCM authentication");
        // Nothing changed: the untampered shares are still accepted.
        assertThat(round.clients.get(3).maskInput(delivered, round.inputs[3]).values())
                .hasSize(LENGTH);
    }

    @Test
    void rejectsShareReaddressedToAnotherSite() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        round.advertise();
        round.shareKeys();
        EncryptedShare forFive = round.relayedShares.get(5).stream()
                .filter(s -> s.sender() != 3)
                .findFirst()
                .orElseThrow();
        List<EncryptedShare> forThree = new ArrayList<>(round.relayedShares.get(3));
        forThree.removeIf(s -> s.sender() == forFive.sender());
        forThree.add(new EncryptedShare(forFive.roundNonce(), forFive.sender(), 3, forFive.ciphertext()));

        assertThatThrownBy(() -> round.clients.get(3).maskInput(forThree, round.inputs[3]))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("fails AES-GCM authentication");
    }

    @Test
    void rejectsMessageFromAnotherRound() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        // Same sites, same keys, another round: its messages must not be accepted in this one.
        SecAggParameters otherParameters = SecAggParameters.defaults(10, TestRound.nonce());
        SecAggClient otherRoundClient = new SecAggClient(otherParameters, 4, round.signers.get(4), round.verifiers);
        AdvertisedKeys replayed = otherRoundClient.advertiseKeys();

        assertThatThrownBy(() -> round.server.receiveKeys(replayed))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("another round");

        round.advertise();
        SecAggClient neighbourOfFour = round.clients.get(round.server.graph().neighboursOf(4)[0]);
        List<AdvertisedKeys> relayed = new ArrayList<>(round.relayedKeys.get(neighbourOfFour.clientIndex()));
        relayed.replaceAll(keys -> keys.clientIndex() == 4 ? replayed : keys);
        assertThatThrownBy(() -> neighbourOfFour.shareKeys(relayed))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("another round");

        round.shareKeys();
        MaskedInput masked = round.clients.get(4).maskInput(round.relayedShares.get(4), round.inputs[4]);
        MaskedInputChunk otherRoundChunk = new MaskedInputChunk(otherParameters.roundNonce(), 4, 0, masked.values());
        assertThatThrownBy(() -> round.server.receiveMaskedChunk(otherRoundChunk))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("another round");
        ConsistencyRequest otherRoundRequest = new ConsistencyRequest(otherParameters.roundNonce(), new int[] {4});
        assertThatThrownBy(() -> round.clients.get(4).checkConsistency(otherRoundRequest))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("another round");
    }

    @Test
    void rejectsBadKeySignature() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        AdvertisedKeys genuine = round.clients.get(2).advertiseKeys();
        // Signed by site 6 but claiming to be site 2: the server refuses it.
        byte[] forged = round.signers.get(6).sign(genuine.signedBytes());
        assertThatThrownBy(() -> round.server.receiveKeys(new AdvertisedKeys(
                        genuine.roundNonce(), 2, genuine.encryptionPublicKey(), genuine.maskPublicKey(), forged)))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("not signed by that site");
        round.server.receiveKeys(genuine);
        for (int i = 0; i < 10; i++) {
            if (i != 2) {
                round.server.receiveKeys(round.clients.get(i).advertiseKeys());
            }
        }
        round.relayedKeys = round.server.closeAdvertiseKeys();

        // A server swapping site 2's mask key for its own (man in the middle) is caught by site 2's neighbours.
        int neighbour = round.server.graph().neighboursOf(2)[0];
        List<AdvertisedKeys> relayed = new ArrayList<>(round.relayedKeys.get(neighbour));
        byte[] serverKey = X25519Keys.generate(new java.security.SecureRandom()).publicKey();
        relayed.replaceAll(keys -> keys.clientIndex() != 2
                ? keys
                : new AdvertisedKeys(keys.roundNonce(), 2, keys.encryptionPublicKey(), serverKey, keys.signature()));

        assertThatThrownBy(() -> round.clients.get(neighbour).shareKeys(relayed))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("does not verify");
        assertThat(round.clients.get(neighbour).shareKeys(round.relayedKeys.get(neighbour)))
                .isNotEmpty();
    }

    @Test
    void rejectsALowOrderKeyEvenWhenItsOwnerSignedIt() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        AdvertisedKeys genuine = round.clients.get(2).advertiseKeys();
        byte[] lowOrder = new byte[32]; // u = 0: every shared secret with it is zero
        byte[] signed = AdvertisedKeys.signedBytes(genuine.roundNonce(), 2, genuine.encryptionPublicKey(), lowOrder);
        AdvertisedKeys malicious = new AdvertisedKeys(
                genuine.roundNonce(),
                2,
                genuine.encryptionPublicKey(),
                lowOrder,
                round.signers.get(2).sign(signed));

        assertThatThrownBy(() -> round.server.receiveKeys(malicious))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("low-order");

        round.server.receiveKeys(genuine);
        for (int i = 0; i < 10; i++) {
            if (i != 2) {
                round.server.receiveKeys(round.clients.get(i).advertiseKeys());
            }
        }
        round.relayedKeys = round.server.closeAdvertiseKeys();
        List<AdvertisedKeys> relayed = new ArrayList<>(round.relayedKeys.get(5));
        relayed.replaceAll(keys -> keys.clientIndex() == 2 ? malicious : keys); // a server relaying it anyway
        assertThatThrownBy(() -> round.clients.get(5).shareKeys(relayed))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("low-order");
    }

    @Test
    void rejectsDuplicateAndUnexpectedMessages() {
        TestRound round = TestRound.withDefaults(10, LENGTH);
        AdvertisedKeys keys = round.clients.get(0).advertiseKeys();
        round.server.receiveKeys(keys);
        assertThatThrownBy(() -> round.server.receiveKeys(keys))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("already advertised");
        for (int i = 1; i < 10; i++) {
            round.server.receiveKeys(round.clients.get(i).advertiseKeys());
        }
        round.relayedKeys = round.server.closeAdvertiseKeys();

        List<AdvertisedKeys> twice = new ArrayList<>(round.relayedKeys.get(1));
        twice.add(twice.get(0));
        assertThatThrownBy(() -> round.clients.get(1).shareKeys(twice))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("relayed twice");

        List<EncryptedShare> shares = round.clients.get(1).shareKeys(round.relayedKeys.get(1));
        assertThatThrownBy(() -> round.server.receiveShares(shares.subList(1, shares.size())))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("exactly one share");
        round.server.receiveShares(shares);
        assertThatThrownBy(() -> round.server.receiveShares(shares))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("already sent");
    }

    @Test
    void serverRejectsOutOfOrderAndOversizedChunks() {
        TestRound round = TestRound.withDefaults(5, LENGTH);
        round.advertise();
        round.shareKeys();
        List<MaskedInputChunk> chunks = round.clients
                .get(0)
                .maskInput(round.relayedShares.get(0), round.inputs[0])
                .chunks(400);

        assertThatThrownBy(() -> round.server.receiveMaskedChunk(chunks.get(1)))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("in order");
        round.server.receiveMaskedChunk(chunks.get(0));
        assertThatThrownBy(() -> round.server.receiveMaskedChunk(chunks.get(0)))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("in order");
        MaskedInputChunk tooLong = new MaskedInputChunk(chunks.get(1).roundNonce(), 0, 400, new int[LENGTH]);
        assertThatThrownBy(() -> round.server.receiveMaskedChunk(tooLong))
                .isInstanceOf(RejectedMessageException.class)
                .hasMessageContaining("past the model");
    }

    @Test
    void abortsWhenASiteRevealsACorruptedShare() {
        TestRound round = readyToUnmask(10);
        for (int i = 0; i < 10; i++) {
            UnmaskResponse response = round.clients.get(i).unmask(round.unmaskRequests.get(i));
            if (i == 3) {
                List<RevealedShare> lies = new ArrayList<>(response.selfMaskShares());
                byte[] wrong = lies.get(0).share();
                wrong[32] ^= 1;
                lies.set(0, new RevealedShare(lies.get(0).owner(), wrong));
                response = new UnmaskResponse(response.roundNonce(), 3, lies, response.keyShares());
            }
            round.server.receiveUnmaskResponse(response);
        }

        assertThatThrownBy(round.server::finish)
                .isInstanceOf(SecAggAbortedException.class)
                .hasMessageContaining("inconsistent");
    }

    private static TestRound readyToUnmask(int n) {
        TestRound round = TestRound.withDefaults(n, LENGTH);
        round.advertise();
        round.shareKeys();
        round.maskInputs();
        round.checkConsistency();
        return round;
    }

    private static int[] survivorsWithout(int n, Set<Integer> dropped) {
        return java.util.stream.IntStream.range(0, n)
                .filter(i -> !dropped.contains(i))
                .toArray();
    }

    private static int[] union(int[] sorted, int extra) {
        return java.util.stream.IntStream.concat(java.util.Arrays.stream(sorted), java.util.stream.IntStream.of(extra))
                .distinct()
                .sorted()
                .toArray();
    }

    private static int[] without(int[] sorted, int removed) {
        return java.util.Arrays.stream(sorted).filter(i -> i != removed).toArray();
    }
}
