package org.cohort.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The exact bytes behind the coordinator's signatures on an audit head and on a ledger charge.
 * Each kind starts with its own text prefix, so a signature over one kind can never pass for
 * another, nor for the 32-byte audit hashes and model manifests the same Ed25519 key signs.
 */
public final class SignedMessages {
    /** Prefix of a signed audit head (followed by "\n&lt;seq&gt;\n&lt;hash hex&gt;"). */
    public static final String AUDIT_HEAD = "cohort.v1.AuditHead";
    /** Prefix of a signed ledger charge (followed by "\n" and the ChargeStatement's bytes). */
    public static final String LEDGER_CHARGE = "cohort.v1.ChargeStatement";

    private SignedMessages() {}

    /**
     * UTF-8 of {@code "cohort.v1.AuditHead\n" + seq + "\n" + hashHex}, the hash in lower-case hex.
     * Text, so that anyone can check an exported head with any Ed25519 tool.
     */
    public static byte[] auditHead(long seq, String hashHex) {
        return (AUDIT_HEAD + "\n" + seq + "\n" + hashHex).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code "cohort.v1.ChargeStatement\n"} followed by a serialized ChargeStatement, exactly as stored. */
    public static byte[] ledgerCharge(byte[] statement) {
        byte[] prefix = (LEDGER_CHARGE + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[prefix.length + statement.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(statement, 0, out, prefix.length, statement.length);
        return out;
    }
}
