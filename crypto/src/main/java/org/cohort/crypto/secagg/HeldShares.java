package org.cohort.crypto.secagg;

import java.util.Arrays;

/**
 * The two shares one site holds of another site's secrets: of its self-mask seed b and of its
 * mask private key s. Encoded (as the AES-GCM plaintext of an {@link EncryptedShare}) as the two
 * fixed-width share values; the Shamir index is the holder's, implied by the recipient.
 */
record HeldShares(ShamirShare selfMask, ShamirShare maskKey) {

    static final int ENCODED_BYTES = 2 * ShamirSecretSharing.SHARE_BYTES;

    static byte[] encode(ShamirShare selfMask, ShamirShare maskKey) {
        byte[] out = new byte[ENCODED_BYTES];
        System.arraycopy(selfMask.encodedValue(), 0, out, 0, ShamirSecretSharing.SHARE_BYTES);
        System.arraycopy(
                maskKey.encodedValue(), 0, out, ShamirSecretSharing.SHARE_BYTES, ShamirSecretSharing.SHARE_BYTES);
        return out;
    }

    static HeldShares decode(byte[] plaintext, int holderShamirIndex) {
        if (plaintext.length != ENCODED_BYTES) {
            throw new IllegalArgumentException(
                    "share plaintext is " + plaintext.length + " bytes, expected " + ENCODED_BYTES);
        }
        return new HeldShares(
                ShamirShare.decode(
                        holderShamirIndex, Arrays.copyOfRange(plaintext, 0, ShamirSecretSharing.SHARE_BYTES)),
                ShamirShare.decode(
                        holderShamirIndex,
                        Arrays.copyOfRange(plaintext, ShamirSecretSharing.SHARE_BYTES, ENCODED_BYTES)));
    }
}
