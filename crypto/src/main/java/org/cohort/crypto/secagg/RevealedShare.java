package org.cohort.crypto.secagg;

/**
 * The share a site holds of {@code owner}'s self-mask seed or mask key (which one is given by the
 * list it travels in), {@value ShamirSecretSharing#SHARE_BYTES} bytes big-endian. Its Shamir
 * index is the revealing site's index + 1.
 */
public record RevealedShare(int owner, byte[] share) {

    public RevealedShare {
        Messages.requireIndex(owner, "revealed share");
        if (share == null || share.length != ShamirSecretSharing.SHARE_BYTES) {
            throw new IllegalArgumentException(
                    "A revealed share of client " + owner + " must be " + ShamirSecretSharing.SHARE_BYTES + " bytes");
        }
        share = share.clone();
    }

    @Override
    public byte[] share() {
        return share.clone();
    }
}
