package org.cohort.crypto.secagg;

import java.util.List;

/** Stage 4, site to server: the shares an {@link UnmaskRequest} asked for, nothing more. */
public record UnmaskResponse(
        byte[] roundNonce, int clientIndex, List<RevealedShare> selfMaskShares, List<RevealedShare> keyShares) {

    public UnmaskResponse {
        Messages.requireNonce(roundNonce, "unmask response");
        Messages.requireIndex(clientIndex, "unmask response");
        selfMaskShares = Messages.requireList(selfMaskShares, "self-mask shares of the unmask response");
        keyShares = Messages.requireList(keyShares, "mask-key shares of the unmask response");
        roundNonce = roundNonce.clone();
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }
}
