package org.cohort.crypto.secagg;

import java.util.List;

/**
 * Stage 4, server to a survivor that signed the consistency check: reveal the self-mask share of
 * each site in {@code selfMaskOwners} (they survived, their self-mask must come off the sum) and
 * the mask-key share of each site in {@code keyOwners} (they dropped, their pairwise masks must
 * come off). Carries the survivor set and the survivors' signatures on it, so the site can check
 * that everyone was shown the same set. A site refuses any request that would reveal both shares
 * of one site.
 */
public record UnmaskRequest(
        byte[] roundNonce,
        int recipient,
        int[] survivors,
        List<ConsistencySignature> signatures,
        int[] selfMaskOwners,
        int[] keyOwners) {

    public UnmaskRequest {
        Messages.requireNonce(roundNonce, "unmask request");
        Messages.requireIndex(recipient, "unmask request");
        survivors = Messages.requireAscending(survivors, "survivors of the unmask request");
        signatures = Messages.requireList(signatures, "consistency signatures of the unmask request");
        selfMaskOwners = Messages.requireAscending(selfMaskOwners, "self-mask owners of the unmask request");
        keyOwners = Messages.requireAscending(keyOwners, "mask-key owners of the unmask request");
        roundNonce = roundNonce.clone();
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }

    @Override
    public int[] survivors() {
        return survivors.clone();
    }

    @Override
    public int[] selfMaskOwners() {
        return selfMaskOwners.clone();
    }

    @Override
    public int[] keyOwners() {
        return keyOwners.clone();
    }
}
