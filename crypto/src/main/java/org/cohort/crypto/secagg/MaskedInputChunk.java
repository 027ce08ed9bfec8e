package org.cohort.crypto.secagg;

/**
 * Stage 2, site to server: values [offset, offset + values.length) of the site's masked input.
 * Sent in order; the server folds each chunk into the running sum as it arrives.
 */
public record MaskedInputChunk(byte[] roundNonce, int clientIndex, int offset, int[] values) {

    public MaskedInputChunk {
        Messages.requireNonce(roundNonce, "masked input chunk");
        Messages.requireIndex(clientIndex, "masked input chunk");
        if (offset < 0 || values == null || values.length == 0 || (long) offset + values.length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "Masked input chunk of client " + clientIndex + " is empty or has an impossible range");
        }
        roundNonce = roundNonce.clone();
        values = values.clone();
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }
}
