package org.cohort.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit chain's outside anchor: a head the coordinator signed, as {@code cohort audit head}
 * exports it, its signature checked. A log cut back at its end (and its head reset) or rewritten
 * and re-signed verifies in itself; only a head kept outside the coordinator shows it.
 *
 * @param seq     the last entry's sequence number when the head was exported
 * @param hash    that entry's hash
 * @param signer  the fingerprint of the key that signed it
 */
record ExportedHead(long seq, String hash, String signer) {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    /** A head file written by {@link HeadCommand}, its signature and signer checked. */
    static ExportedHead read(Path file, JsonMapper json) {
        JsonNode head;
        try {
            head = json.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new CommandFailed("cannot read the exported head " + file + " (" + e.getMessage()
                    + "); write one with" + " cohort audit head --out " + file);
        }
        if (!head.path("seq").canConvertToLong()
                || head.path("seq").asLong() < 0
                || !HASH.matcher(head.path("hash").asString("")).matches()) {
            throw new CommandFailed(file + " is not an exported audit head (it needs seq and a 64-hex-digit hash);"
                    + " write one with cohort audit head --out FILE");
        }
        checkSignature(head, file.toString());
        checkSignerIsTheKey(head, file.toString());
        return new ExportedHead(
                head.path("seq").asLong(),
                head.path("hash").asString(),
                head.path("signer").asString());
    }

    /**
     * Ed25519 over UTF-8 of "cohort.v1.AuditHead\n" + seq + "\n" + hash, as the coordinator signs it
     * (org.cohort.protocol.SignedMessages, which this tool does not depend on).
     */
    static void checkSignature(JsonNode head, String where) {
        try {
            var key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(
                            Base64.getDecoder().decode(head.path("publicKey").asString(""))));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(("cohort.v1.AuditHead\n" + head.path("seq").asLong() + "\n"
                            + head.path("hash").asString(""))
                    .getBytes(StandardCharsets.UTF_8));
            if (s.verify(Base64.getDecoder().decode(head.path("signature").asString("")))) {
                return;
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // falls through: unreadable key or signature
        }
        throw new CommandFailed("the audit head in " + where + " does not carry a valid signature by the key it names;"
                + " it was edited or is not a head exported by 'cohort audit head'");
    }

    /**
     * The head's {@code signer} must be the fingerprint of the key that signed it, so that the
     * later comparison with the coordinator's signer compares the key that actually signed.
     */
    private static void checkSignerIsTheKey(JsonNode head, String where) {
        String fingerprint;
        try {
            fingerprint = "sha256:"
                    + java.util.HexFormat.of()
                            .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                    .digest(Base64.getDecoder()
                                            .decode(head.path("publicKey").asString(""))));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CommandFailed("the audit head in " + where + " has an unreadable public key");
        }
        if (!fingerprint.equals(head.path("signer").asString(""))) {
            throw new CommandFailed("the audit head in " + where + " names signer "
                    + head.path("signer").asString("") + " but was signed by the key " + fingerprint
                    + ": it was edited");
        }
    }
}
