package org.cohort.crypto.secagg;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.cohort.crypto.internal.AesGcm;
import org.cohort.crypto.internal.Hkdf;

/**
 * AES-128-GCM encryption of the shares one site sends another through the server. The key is
 * HKDF-SHA256(X25519(c_i, c_j), salt = round nonce, info = {@value Labels#SHARE_KEY}); both
 * directions of a pair share it, so every encryption takes a fresh random 96-bit IV (sent in front
 * of the ciphertext). The associated data binds (nonce, sender, recipient): a share replayed from
 * another round or re-addressed to another site fails authentication.
 */
final class ShareCipher {

    static final int OVERHEAD_BYTES = AesGcm.OVERHEAD_BYTES;

    private ShareCipher() {}

    static byte[] pairKey(byte[] ownEncryptionPrivateKey, byte[] peerEncryptionPublicKey, byte[] roundNonce) {
        byte[] shared = X25519Keys.agree(ownEncryptionPrivateKey, peerEncryptionPublicKey);
        try {
            return Hkdf.derive(shared, roundNonce, Labels.bytes(Labels.SHARE_KEY), 16);
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    static byte[] seal(
            byte[] key, byte[] roundNonce, int sender, int recipient, byte[] plaintext, SecureRandom random) {
        return AesGcm.seal(key, associatedData(roundNonce, sender, recipient), plaintext, random);
    }

    /**
     * The plaintext, or empty if the ciphertext, its IV or the (nonce, sender, recipient) binding
     * was altered.
     */
    static Optional<byte[]> open(byte[] key, byte[] roundNonce, int sender, int recipient, byte[] sealed) {
        return AesGcm.open(key, associatedData(roundNonce, sender, recipient), sealed, 0);
    }

    private static byte[] associatedData(byte[] roundNonce, int sender, int recipient) {
        return CanonicalWriter.labelled(Labels.SHARE_AAD)
                .bytes(roundNonce)
                .int32(sender)
                .int32(recipient)
                .toByteArray();
    }
}
