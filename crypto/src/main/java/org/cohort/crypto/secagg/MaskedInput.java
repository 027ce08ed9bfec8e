package org.cohort.crypto.secagg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stage 2 output of a site: y = x + PRG(b) + Σ ±PRG(s_ij) over Z(2^32). Uniformly random to
 * anyone without the seeds; upload it with {@link #chunks(int)}.
 */
public record MaskedInput(byte[] roundNonce, int clientIndex, int[] values) {

    public MaskedInput {
        Messages.requireNonce(roundNonce, "masked input");
        Messages.requireIndex(clientIndex, "masked input");
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("Masked input of client " + clientIndex + " is empty");
        }
        roundNonce = roundNonce.clone();
        values = values.clone();
    }

    /** The upload, cut into chunks of at most {@code maxChunkLength} values, in order. */
    public List<MaskedInputChunk> chunks(int maxChunkLength) {
        if (maxChunkLength < 1) {
            throw new IllegalArgumentException("Chunk length must be positive, got " + maxChunkLength);
        }
        List<MaskedInputChunk> chunks = new ArrayList<>(values.length / maxChunkLength + 1);
        for (int offset = 0; offset < values.length; offset += maxChunkLength) {
            int end = (int) Math.min((long) offset + maxChunkLength, values.length);
            chunks.add(new MaskedInputChunk(roundNonce, clientIndex, offset, Arrays.copyOfRange(values, offset, end)));
        }
        return chunks;
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }
}
