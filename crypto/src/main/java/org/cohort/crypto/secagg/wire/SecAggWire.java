package org.cohort.crypto.secagg.wire;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.List;
import org.cohort.crypto.secagg.AdvertisedKeys;
import org.cohort.crypto.secagg.ConsistencyRequest;
import org.cohort.crypto.secagg.ConsistencySignature;
import org.cohort.crypto.secagg.EncryptedShare;
import org.cohort.crypto.secagg.RevealedShare;
import org.cohort.crypto.secagg.UnmaskRequest;
import org.cohort.crypto.secagg.UnmaskResponse;
import org.cohort.protocol.v1.SecAggConsistencyRequest;
import org.cohort.protocol.v1.SecAggKeys;
import org.cohort.protocol.v1.SecAggRevealedShare;
import org.cohort.protocol.v1.SecAggShare;
import org.cohort.protocol.v1.SecAggShares;
import org.cohort.protocol.v1.SecAggUnmaskRequest;
import org.cohort.protocol.v1.SecAggUnmaskResponse;

/**
 * The one mapping between secure-aggregation messages and their cohort.v1 wire form. The round
 * nonce is not sent per message: both sides know it from the round task, and every decoded
 * message is bound to it here, so a message replayed from another round fails its checks.
 */
public final class SecAggWire {
    private SecAggWire() {}

    public static SecAggKeys keys(AdvertisedKeys k) {
        return SecAggKeys.newBuilder()
                .setClientIndex(k.clientIndex())
                .setEncryptionPublicKey(ByteString.copyFrom(k.encryptionPublicKey()))
                .setMaskPublicKey(ByteString.copyFrom(k.maskPublicKey()))
                .setSignature(ByteString.copyFrom(k.signature()))
                .build();
    }

    public static AdvertisedKeys keys(byte[] nonce, SecAggKeys k) {
        return new AdvertisedKeys(
                nonce,
                k.getClientIndex(),
                k.getEncryptionPublicKey().toByteArray(),
                k.getMaskPublicKey().toByteArray(),
                k.getSignature().toByteArray());
    }

    public static List<AdvertisedKeys> keys(byte[] nonce, List<SecAggKeys> keys) {
        return keys.stream().map(k -> keys(nonce, k)).toList();
    }

    public static SecAggShares shares(List<EncryptedShare> shares) {
        var b = SecAggShares.newBuilder();
        for (EncryptedShare s : shares) {
            b.addShares(SecAggShare.newBuilder()
                    .setSender(s.sender())
                    .setRecipient(s.recipient())
                    .setCiphertext(ByteString.copyFrom(s.ciphertext())));
        }
        return b.build();
    }

    public static List<EncryptedShare> shares(byte[] nonce, SecAggShares shares) {
        return shares.getSharesList().stream()
                .map(s -> new EncryptedShare(
                        nonce,
                        s.getSender(),
                        s.getRecipient(),
                        s.getCiphertext().toByteArray()))
                .toList();
    }

    public static SecAggConsistencyRequest consistencyRequest(ConsistencyRequest r) {
        return SecAggConsistencyRequest.newBuilder()
                .addAllSurvivors(boxed(r.survivors()))
                .build();
    }

    public static ConsistencyRequest consistencyRequest(byte[] nonce, SecAggConsistencyRequest r) {
        return new ConsistencyRequest(nonce, ints(r.getSurvivorsList()));
    }

    public static org.cohort.protocol.v1.SecAggConsistencySignature signature(ConsistencySignature s) {
        return org.cohort.protocol.v1.SecAggConsistencySignature.newBuilder()
                .setClientIndex(s.clientIndex())
                .setSignature(ByteString.copyFrom(s.signature()))
                .build();
    }

    public static ConsistencySignature signature(byte[] nonce, org.cohort.protocol.v1.SecAggConsistencySignature s) {
        return new ConsistencySignature(
                nonce, s.getClientIndex(), s.getSignature().toByteArray());
    }

    public static SecAggUnmaskRequest unmaskRequest(UnmaskRequest r) {
        return SecAggUnmaskRequest.newBuilder()
                .addAllSurvivors(boxed(r.survivors()))
                .addAllSignatures(
                        r.signatures().stream().map(SecAggWire::signature).toList())
                .addAllSelfMaskOwners(boxed(r.selfMaskOwners()))
                .addAllKeyOwners(boxed(r.keyOwners()))
                .build();
    }

    public static UnmaskRequest unmaskRequest(byte[] nonce, int recipient, SecAggUnmaskRequest r) {
        return new UnmaskRequest(
                nonce,
                recipient,
                ints(r.getSurvivorsList()),
                r.getSignaturesList().stream().map(s -> signature(nonce, s)).toList(),
                ints(r.getSelfMaskOwnersList()),
                ints(r.getKeyOwnersList()));
    }

    public static SecAggUnmaskResponse unmaskResponse(UnmaskResponse r) {
        return SecAggUnmaskResponse.newBuilder()
                .setClientIndex(r.clientIndex())
                .addAllSelfMaskShares(
                        r.selfMaskShares().stream().map(SecAggWire::revealed).toList())
                .addAllMaskKeyShares(
                        r.keyShares().stream().map(SecAggWire::revealed).toList())
                .build();
    }

    public static UnmaskResponse unmaskResponse(byte[] nonce, SecAggUnmaskResponse r) {
        return new UnmaskResponse(
                nonce,
                r.getClientIndex(),
                r.getSelfMaskSharesList().stream().map(SecAggWire::revealed).toList(),
                r.getMaskKeySharesList().stream().map(SecAggWire::revealed).toList());
    }

    private static SecAggRevealedShare revealed(RevealedShare s) {
        return SecAggRevealedShare.newBuilder()
                .setOwner(s.owner())
                .setShare(ByteString.copyFrom(s.share()))
                .build();
    }

    private static RevealedShare revealed(SecAggRevealedShare s) {
        return new RevealedShare(s.getOwner(), s.getShare().toByteArray());
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
