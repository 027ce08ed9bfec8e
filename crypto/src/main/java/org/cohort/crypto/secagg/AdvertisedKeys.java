package org.cohort.crypto.secagg;

/**
 * Stage 0, site to server (relayed to the site's neighbours): the site's two fresh X25519 public
 * keys for this round — one to encrypt the shares it exchanges ({@code c}), one for pairwise mask
 * agreement ({@code s}) — signed with its Ed25519 update-signing key over {@link #signedBytes()},
 * so the server cannot substitute keys and mount a man-in-the-middle between two sites.
 */
public record AdvertisedKeys(
        byte[] roundNonce, int clientIndex, byte[] encryptionPublicKey, byte[] maskPublicKey, byte[] signature) {

    static final int MAX_SIGNATURE_BYTES = 128;

    public AdvertisedKeys {
        Messages.requireNonce(roundNonce, "advertised keys");
        Messages.requireIndex(clientIndex, "advertised keys");
        encryptionPublicKey = Messages.requireKey(encryptionPublicKey, "encryption public key");
        maskPublicKey = Messages.requireKey(maskPublicKey, "mask public key");
        if (signature == null || signature.length > MAX_SIGNATURE_BYTES) {
            throw new IllegalArgumentException(
                    "Advertised keys of client " + clientIndex + " carry no signature (or an oversized one)");
        }
        roundNonce = roundNonce.clone();
        signature = signature.clone();
    }

    /** The canonical bytes the site signs: (label, nonce, index, c public key, s public key). */
    public byte[] signedBytes() {
        return signedBytes(roundNonce, clientIndex, encryptionPublicKey, maskPublicKey);
    }

    static byte[] signedBytes(byte[] roundNonce, int clientIndex, byte[] encryptionPublicKey, byte[] maskPublicKey) {
        return CanonicalWriter.labelled(Labels.ADVERTISE_KEYS)
                .bytes(roundNonce)
                .int32(clientIndex)
                .bytes(encryptionPublicKey)
                .bytes(maskPublicKey)
                .toByteArray();
    }

    /** Deterministic wire encoding: {@link #signedBytes()} followed by the length-prefixed signature. */
    public byte[] encode() {
        CanonicalWriter writer = CanonicalWriter.labelled(Labels.ADVERTISE_KEYS)
                .bytes(roundNonce)
                .int32(clientIndex)
                .bytes(encryptionPublicKey)
                .bytes(maskPublicKey);
        return writer.bytes(signature).toByteArray();
    }

    /** @throws IllegalArgumentException if the bytes are not exactly what {@link #encode()} produces */
    public static AdvertisedKeys decode(byte[] encoded) {
        CanonicalReader reader = new CanonicalReader(encoded, "advertised keys");
        reader.label(Labels.ADVERTISE_KEYS);
        AdvertisedKeys keys = new AdvertisedKeys(
                reader.bytes(SecAggParameters.MAX_NONCE_BYTES),
                reader.int32(),
                reader.bytes(X25519Keys.KEY_BYTES),
                reader.bytes(X25519Keys.KEY_BYTES),
                reader.bytes(MAX_SIGNATURE_BYTES));
        reader.end();
        return keys;
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }

    @Override
    public byte[] encryptionPublicKey() {
        return encryptionPublicKey.clone();
    }

    @Override
    public byte[] maskPublicKey() {
        return maskPublicKey.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
