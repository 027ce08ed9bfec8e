package org.cohort.crypto.secagg;

import java.util.Arrays;
import org.cohort.crypto.internal.Hkdf;

/**
 * The pairwise mask of sites i and j: seed = HKDF-SHA256(X25519(s_i, s_j), salt = nonce,
 * info = label || min(i, j) || max(i, j)), expanded by {@link MaskPrg}. The lower index adds it
 * and the higher subtracts it, so the pair's masks cancel in the sum. Both sites derive the same
 * seed from their own private key and the other's public key; the server derives it from a
 * dropped site's rebuilt private key.
 */
final class PairwiseMasks {

    private PairwiseMasks() {}

    static byte[] seed(byte[] ownMaskPrivateKey, int own, byte[] peerMaskPublicKey, int peer, byte[] roundNonce) {
        byte[] shared = X25519Keys.agree(ownMaskPrivateKey, peerMaskPublicKey);
        try {
            byte[] info = CanonicalWriter.labelled(Labels.PAIRWISE_SEED)
                    .int32(Math.min(own, peer))
                    .int32(Math.max(own, peer))
                    .toByteArray();
            return Hkdf.derive(shared, roundNonce, info, 32);
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    /** Whether {@code own} adds (rather than subtracts) its mask with {@code peer}. */
    static boolean adds(int own, int peer) {
        return own < peer;
    }
}
