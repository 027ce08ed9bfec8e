package org.cohort.crypto.secagg;

/** Stage 3, site to server: the site's Ed25519 signature over (nonce, survivor set). */
public record ConsistencySignature(byte[] roundNonce, int clientIndex, byte[] signature) {

    public ConsistencySignature {
        Messages.requireNonce(roundNonce, "consistency signature");
        Messages.requireIndex(clientIndex, "consistency signature");
        if (signature == null || signature.length > AdvertisedKeys.MAX_SIGNATURE_BYTES) {
            throw new IllegalArgumentException(
                    "Consistency signature of client " + clientIndex + " is missing or oversized");
        }
        roundNonce = roundNonce.clone();
        signature = signature.clone();
    }

    /** The canonical bytes each survivor signs: (label, nonce, ascending survivor indices). */
    public static byte[] signedBytes(byte[] roundNonce, int[] survivors) {
        return CanonicalWriter.labelled(Labels.CONSISTENCY)
                .bytes(roundNonce)
                .ints(survivors)
                .toByteArray();
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
