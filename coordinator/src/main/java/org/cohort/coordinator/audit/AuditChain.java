package org.cohort.coordinator.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import org.cohort.privacy.json.CanonicalJson;

/**
 * The bytes an audit entry's hash covers, in one place so that anyone can recompute them:
 *
 * <pre>
 * hash_n = SHA-256( hash_{n-1} (32 raw bytes; 32 zero bytes for n = 1)
 *                 || UTF-8 of {"actor":A,"at":T,"details":D,"kind":K,"seq":n} )
 * </pre>
 *
 * where the object is RFC 8785 canonical JSON (keys in this order, no whitespace), T is the
 * entry time in ISO-8601 UTC with millisecond precision at most (e.g.
 * {@code "2026-03-01T09:30:00.125Z"}), and D is the details exactly as stored (they are stored
 * canonically). In Python: {@code sha256(bytes.fromhex(prev) + ('{"actor":' + json.dumps(actor,
 * ensure_ascii=False) + ',"at":"' + at + '","details":' + details + ',"kind":"' + kind +
 * '","seq":' + str(seq) + '}').encode())}. The coordinator signs the 32 hash bytes with Ed25519.
 *
 * <p>D is hashed as stored and never written again from the details, so an entry verifies
 * whatever the writer ({@link CanonicalJson}) becomes: its form can change for new entries without
 * a format tag on the old ones. Only the actor, time and kind are re-escaped here, and their
 * escaping (quotes, backslashes; control characters are refused in actors) has never changed.
 */
public final class AuditChain {

    /** hash_0: the link before the first entry. */
    public static final String GENESIS_HASH = "0".repeat(64);

    private AuditChain() {}

    /** The canonical JSON that hash_n covers (after the previous hash). */
    public static String canonicalEntry(long seq, Instant at, String kind, String actor, String detailsJson) {
        StringBuilder sb = new StringBuilder(detailsJson.length() + 128);
        sb.append("{\"actor\":");
        CanonicalJson.string(sb, actor);
        sb.append(",\"at\":");
        CanonicalJson.string(sb, timestamp(at));
        sb.append(",\"details\":").append(detailsJson);
        sb.append(",\"kind\":");
        CanonicalJson.string(sb, kind);
        sb.append(",\"seq\":").append(seq).append('}');
        return sb.toString();
    }

    /** hash_n as lower-case hex. */
    public static String hash(
            String previousHashHex, long seq, Instant at, String kind, String actor, String detailsJson) {
        MessageDigest sha = sha256();
        sha.update(HexFormat.of().parseHex(previousHashHex));
        sha.update(canonicalEntry(seq, at, kind, actor, detailsJson).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest());
    }

    /** ISO-8601 UTC, as hashed ("2026-03-01T09:30:00Z", "2026-03-01T09:30:00.125Z"). */
    public static String timestamp(Instant at) {
        return DateTimeFormatter.ISO_INSTANT.format(at);
    }

    /** {@code sha256:<hex>} of a public key's encoding: names the key that signed an entry. */
    public static String fingerprint(byte[] publicKeySpki) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(publicKeySpki));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
