package org.cohort.coordinator.audit;

import java.util.Arrays;

/**
 * The audit log's head with the coordinator's Ed25519 signature over
 * {@link org.cohort.protocol.SignedMessages#auditHead}: a statement that the log had reached
 * entry {@code seq} with hash {@code hash}. Whoever keeps one can later show that the log was
 * cut or rewritten, even by someone holding the database.
 *
 * @param signer {@code sha256:<hex>} fingerprint of the signing key
 */
public record SignedHead(long seq, String hash, byte[] signature, String signer) {

    public SignedHead {
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The head without its signature. */
    public AuditLog.Head head() {
        return new AuditLog.Head(seq, hash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedHead h
                && seq == h.seq
                && hash.equals(h.hash)
                && Arrays.equals(signature, h.signature)
                && signer.equals(h.signer);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq) * 31 + hash.hashCode();
    }

    @Override
    public String toString() {
        return "SignedHead[#" + seq + " " + hash + " by " + signer + "]";
    }
}
