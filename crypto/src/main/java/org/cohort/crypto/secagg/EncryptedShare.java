package org.cohort.crypto.secagg;

/**
 * Stage 1, site to server (relayed to {@code recipient}): the recipient's Shamir shares of the
 * sender's self-mask seed and mask key, AES-GCM encrypted under a key only the two sites can
 * derive, so the server relays what it cannot read. See {@link ShareCipher}.
 */
public record EncryptedShare(byte[] roundNonce, int sender, int recipient, byte[] ciphertext) {

    /** Two 33-byte share values plus the AES-GCM IV and tag. */
    public static final int CIPHERTEXT_BYTES = 2 * ShamirSecretSharing.SHARE_BYTES + ShareCipher.OVERHEAD_BYTES;

    public EncryptedShare {
        Messages.requireNonce(roundNonce, "encrypted share");
        Messages.requireIndex(sender, "encrypted share");
        Messages.requireIndex(recipient, "encrypted share");
        if (ciphertext == null || ciphertext.length != CIPHERTEXT_BYTES) {
            throw new IllegalArgumentException(
                    "The encrypted share from client " + sender + " to " + recipient + " must be " + CIPHERTEXT_BYTES
                            + " bytes, got " + (ciphertext == null ? "none" : ciphertext.length));
        }
        roundNonce = roundNonce.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }
}
