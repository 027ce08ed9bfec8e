package org.cohort.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;
import org.cohort.client.CoordinatorClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit chain's outside anchor: export the coordinator's signed head now, and later check
 * that the chain still reaches it. A log cut back at its end (and its head reset) or rewritten
 * and re-signed verifies in itself; only a head kept outside the coordinator shows it.
 */
final class AuditHeadCommands {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    static final Set<String> HEAD_OPTIONS = RemoteCommands.with("out");
    static final String HEAD_HELP = """
            Usage: cohort audit head [--out FILE] [--coordinator URL] [--token-file PATH]

            Exports the audit chain's head - the last entry's sequence number and hash - signed by the
            coordinator, with its public key. Keep the file away from the coordinator (a ticket, a mail,
            another machine): 'cohort audit verify --expect-head FILE' later fails if the log no longer
            reaches that head, i.e. entries were cut from its end or the log was rewritten and re-signed.

              --out FILE          where to write it (default: print it); written as JSON
            """ + RemoteCommands.CONNECTION_HELP;

    private AuditHeadCommands() {}

    static int head(Args args, CoordinatorClient client, PrintStream out, JsonMapper json) {
        JsonNode head = client.audit().head();
        checkSignature(head, "the coordinator's answer");
        String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(head);
        if (!args.has("out") || args.string("out", "-").equals("-")) {
            out.println(text);
            return 0;
        }
        Path file = Path.of(args.string("out", ""));
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailed("cannot write the head to " + file + ": " + e.getMessage() + "; choose another --out");
        }
        out.println("wrote " + file + ": audit head #" + head.path("seq").asLong() + " " + head.path("hash").asString()
                + ", signed by " + head.path("signer").asString());
        out.println("keep it away from the coordinator; check later with: cohort audit verify --expect-head " + file);
        return 0;
    }

    /** A head file written by {@link #head}, its signature checked: the head a later verification must reach. */
    record Expected(long seq, String hash, String signer) {}

    static Expected read(Path file, JsonMapper json) {
        JsonNode head;
        try {
            head = json.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new CommandFailed("cannot read the exported head " + file + " (" + e.getMessage() + "); write one with"
                    + " cohort audit head --out " + file);
        }
        if (!head.path("seq").canConvertToLong() || head.path("seq").asLong() < 0
                || !HASH.matcher(head.path("hash").asString("")).matches()) {
            throw new CommandFailed(file + " is not an exported audit head (it needs seq and a 64-hex-digit hash);"
                    + " write one with cohort audit head --out FILE");
        }
        checkSignature(head, file.toString());
        checkSignerIsTheKey(head, file.toString());
        return new Expected(head.path("seq").asLong(), head.path("hash").asString(), head.path("signer").asString());
    }

    /**
     * The head's {@code signer} must be the fingerprint of the key that signed it, so that the
     * later comparison with the coordinator's signer compares the key that actually signed.
     */
    private static void checkSignerIsTheKey(JsonNode head, String where) {
        String fingerprint;
        try {
            fingerprint = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Base64.getDecoder().decode(head.path("publicKey").asString(""))));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CommandFailed("the audit head in " + where + " has an unreadable public key");
        }
        if (!fingerprint.equals(head.path("signer").asString(""))) {
            throw new CommandFailed("the audit head in " + where + " names signer " + head.path("signer").asString("")
                    + " but was signed by the key " + fingerprint + ": it was edited");
        }
    }

    /**
     * Ed25519 over UTF-8 of "cohort.v1.AuditHead\n" + seq + "\n" + hash, as the coordinator signs it
     * (org.cohort.protocol.SignedMessages, which this tool does not depend on).
     */
    private static void checkSignature(JsonNode head, String where) {
        try {
            var key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
                    Base64.getDecoder().decode(head.path("publicKey").asString(""))));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(("cohort.v1.AuditHead\n" + head.path("seq").asLong() + "\n" + head.path("hash").asString(""))
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
}
