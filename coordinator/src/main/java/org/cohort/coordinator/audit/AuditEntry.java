package org.cohort.coordinator.audit;

import java.time.Instant;

/**
 * One entry of the audit log as stored.
 *
 * @param seq         position in the chain, from 1, without gaps
 * @param detailsJson the details as canonical JSON (RFC 8785), exactly the bytes that were hashed
 * @param prevHash    hash of entry seq-1 (hex; 64 zeros for the first)
 * @param hash        SHA-256 over prevHash and this entry (hex), see {@link AuditChain}
 * @param signature   the coordinator's Ed25519 signature over the 32 hash bytes
 * @param signer      {@code sha256:<hex>} fingerprint of the signing key
 */
public record AuditEntry(
        long seq,
        Instant at,
        String kind,
        String actor,
        String detailsJson,
        String prevHash,
        String hash,
        byte[] signature,
        String signer) {

    public AuditEntry {
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditEntry e
                && seq == e.seq
                && at.equals(e.at)
                && kind.equals(e.kind)
                && actor.equals(e.actor)
                && detailsJson.equals(e.detailsJson)
                && prevHash.equals(e.prevHash)
                && hash.equals(e.hash)
                && java.util.Arrays.equals(signature, e.signature)
                && signer.equals(e.signer);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq) * 31 + hash.hashCode();
    }

    @Override
    public String toString() {
        return "AuditEntry[#" + seq + " " + kind + " by " + actor + " at " + at + " " + detailsJson + "]";
    }
}
