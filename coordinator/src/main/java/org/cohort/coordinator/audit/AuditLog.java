package org.cohort.coordinator.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.cohort.crypto.signature.ModelSigner;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.privacy.json.CanonicalJson;
import org.cohort.protocol.SignedMessages;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Append-only, hash-chained, signed audit log. Each entry's hash covers the previous entry's
 * hash and its own content ({@link AuditChain} gives the exact bytes), and the coordinator signs
 * each hash with its Ed25519 key, so editing, removing or reordering entries - even directly in
 * the database - is found by {@link #verify()}, which names the first bad entry.
 *
 * <p>Appends are serialised by the database: each one locks the single {@code audit_head} row
 * ({@code SELECT ... FOR UPDATE}) and the sequence number is the primary key, so replicas
 * sharing a database extend one chain and never fork it. An append joins the caller's
 * transaction if there is one, so an entry commits together with what it records.
 */
public class AuditLog {
    private static final Pattern KIND = Pattern.compile("[A-Z][A-Z0-9_]{0,39}");
    private static final int PAGE = 500;

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final ModelSigner signer;
    private final SignatureVerifier verifier;
    private final String signerFingerprint;
    private final Clock clock;
    /** Ed25519 signing is deterministic: a head already signed is signed again only when it moved. */
    private volatile SignedHead lastSignedHead;

    private final Runnable makeDurable;

    public AuditLog(JdbcClient jdbc, PlatformTransactionManager transactions, ModelSigner signer, Clock clock) {
        this(jdbc, transactions, signer, clock, () -> {});
    }

    /**
     * @param makeDurable forces what the database committed onto disk. A head handed out must
     *     survive a crash: a site that saw it would otherwise take the restarted coordinator's
     *     shorter log for a cut one. PostgreSQL commits durably; embedded H2 writes commits up to
     *     a second later, so it is given a checkpoint here.
     */
    public AuditLog(
            JdbcClient jdbc,
            PlatformTransactionManager transactions,
            ModelSigner signer,
            Clock clock,
            Runnable makeDurable) {
        this.makeDurable = makeDurable;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.signer = signer;
        this.verifier = SignatureVerifier.ed25519(signer.publicKey());
        this.signerFingerprint = AuditChain.fingerprint(signer.publicKey());
        this.clock = clock;
    }

    public AuditEntry append(AuditKind kind, String actor, Map<String, ?> details) {
        return append(kind.name(), actor, details);
    }

    /**
     * Appends one entry and returns it as stored.
     *
     * @param kind    upper-case word, e.g. ENROLLMENT, ROUND_COMPLETED (see {@link AuditKind})
     * @param actor   who did it: "coordinator", "admin", "site:&lt;id&gt;"
     * @param details JSON values (see {@link CanonicalJson#write}); stored canonically
     */
    public AuditEntry append(String kind, String actor, Map<String, ?> details) {
        if (kind == null || !KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException(
                    "audit kind must be an upper-case word like ROUND_COMPLETED, got '" + kind + "'");
        }
        if (actor == null
                || actor.isBlank()
                || actor.length() > 200
                || actor.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(
                    "audit actor must be 1-200 printable characters, e.g. 'coordinator'," + " 'admin' or 'site:<id>'");
        }
        String detailsJson = CanonicalJson.write(details == null ? Map.of() : details);
        return tx.execute(status -> {
            Head head = jdbc.sql("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
                    .query((rs, i) -> new Head(rs.getLong("seq"), rs.getString("hash")))
                    .optional()
                    .orElseThrow(
                            () -> new IllegalStateException(
                                    "the audit_head row is missing; the audit log"
                                            + " cannot be extended (restore it from a backup, or run the V2 migration on a new database)"));
            long seq = head.seq() + 1;
            Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            String hash = AuditChain.hash(head.hash(), seq, at, kind, actor, detailsJson);
            byte[] signature = signer.sign(HexFormat.of().parseHex(hash));
            jdbc.sql("""
                    INSERT INTO audit_entries (seq, appended_at, kind, actor, details, prev_hash, hash, signature, signer)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(
                            seq,
                            OffsetDateTime.ofInstant(at, ZoneOffset.UTC),
                            kind,
                            actor,
                            detailsJson,
                            head.hash(),
                            hash,
                            signature,
                            signerFingerprint)
                    .update();
            jdbc.sql("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
                    .params(seq, hash)
                    .update();
            return new AuditEntry(seq, at, kind, actor, detailsJson, head.hash(), hash, signature, signerFingerprint);
        });
    }

    /** Entries with seq greater than {@code afterSeq}, oldest first, at most {@code limit}. */
    public List<AuditEntry> entries(long afterSeq, int limit) {
        return jdbc.sql("SELECT * FROM audit_entries WHERE seq > ? ORDER BY seq LIMIT ?")
                .params(afterSeq, Math.max(0, limit))
                .query(AuditLog::map)
                .list();
    }

    /**
     * Entries whose details hold {@code "field":"value"} at any depth, oldest first (canonical
     * JSON makes that text exact), e.g. every entry about one study.
     */
    public List<AuditEntry> mentioning(String field, String value) {
        StringBuilder needle = new StringBuilder();
        CanonicalJson.string(needle, field);
        needle.append(':');
        CanonicalJson.string(needle, value);
        String pattern =
                "%" + needle.toString().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        return jdbc.sql("SELECT * FROM audit_entries WHERE details LIKE ? ESCAPE '!' ORDER BY seq")
                .param(pattern)
                .query(AuditLog::map)
                .list();
    }

    public Optional<AuditEntry> entry(long seq) {
        return jdbc.sql("SELECT * FROM audit_entries WHERE seq = ?")
                .param(seq)
                .query(AuditLog::map)
                .optional();
    }

    /** The last entry's sequence number (0 when empty) and hash. */
    public Head head() {
        return jdbc.sql("SELECT seq, hash FROM audit_head WHERE id = 1")
                .query((rs, i) -> new Head(rs.getLong("seq"), rs.getString("hash")))
                .optional()
                .orElse(new Head(-1, "missing"));
    }

    /** The chain's head as recorded: sequence number and hash of the last entry. */
    public record Head(long seq, String hash) {}

    /**
     * The head as it stands now, signed ({@link SignedHead}): what sites receive with each task
     * and operators export, so that cutting the log's end later cannot go unnoticed.
     */
    public SignedHead signedHead() {
        Head head = head();
        if (head.seq() < 0) {
            throw new IllegalStateException("the audit_head row is missing: the audit log's head was deleted"
                    + " (GET /api/audit/verify says more); no head can be signed");
        }
        SignedHead cached = lastSignedHead;
        if (cached != null && cached.seq() == head.seq() && cached.hash().equals(head.hash())) {
            return cached;
        }
        makeDurable.run();
        byte[] signature = signer.sign(SignedMessages.auditHead(head.seq(), head.hash()));
        SignedHead signed = new SignedHead(head.seq(), head.hash(), signature, signerFingerprint);
        lastSignedHead = signed;
        return signed;
    }

    /** True when {@code head} carries this coordinator's valid signature. */
    public boolean signedByThisCoordinator(SignedHead head) {
        return verifier.verify(SignedMessages.auditHead(head.seq(), head.hash()), head.signature());
    }

    /**
     * Signs a ledger charge's statement (see {@link SignedMessages#ledgerCharge}) with the key
     * that signs the chain; the signature goes into the charge's LEDGER_CHARGE entry.
     */
    public byte[] signLedgerCharge(byte[] statement) {
        return signer.sign(SignedMessages.ledgerCharge(statement));
    }

    /** Every entry of one kind, oldest first. */
    public List<AuditEntry> ofKind(AuditKind kind) {
        return jdbc.sql("SELECT * FROM audit_entries WHERE kind = ? ORDER BY seq")
                .param(kind.name())
                .query(AuditLog::map)
                .list();
    }

    /** X.509 SubjectPublicKeyInfo DER of the key that signs entries (the coordinator's Ed25519 key). */
    public byte[] publicKey() {
        return signer.publicKey();
    }

    /** {@code sha256:<hex>} of {@link #publicKey()}. */
    public String signerFingerprint() {
        return signerFingerprint;
    }

    /**
     * Recomputes the whole chain from the first entry: sequence numbers, links, hashes and
     * signatures, then the head. Reads in pages, so memory stays small for long logs.
     */
    public VerificationResult verify() {
        Instant now = clock.instant();
        Head head = head();
        if (head.seq() < 0) {
            return invalid(
                    0,
                    head,
                    now,
                    new VerificationResult.Problem(
                            0,
                            null,
                            VerificationResult.Defect.MISSING_ENTRIES,
                            "the audit_head row is missing: the log's head was deleted"));
        }
        String expectedPrev = AuditChain.GENESIS_HASH;
        long expectedSeq = 1;
        long checked = 0;
        while (expectedSeq <= head.seq()) {
            List<AuditEntry> page = jdbc.sql(
                            "SELECT * FROM audit_entries WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?")
                    .params(expectedSeq, head.seq(), PAGE)
                    .query(AuditLog::map)
                    .list();
            if (page.isEmpty()) {
                break;
            }
            for (AuditEntry e : page) {
                checked++;
                VerificationResult.Problem p = check(e, expectedSeq, expectedPrev);
                if (p != null) {
                    return invalid(checked, head, now, p);
                }
                expectedPrev = e.hash();
                expectedSeq++;
            }
        }
        if (expectedSeq <= head.seq()) {
            long last = expectedSeq - 1;
            return invalid(
                    checked,
                    head,
                    now,
                    new VerificationResult.Problem(
                            expectedSeq,
                            null,
                            VerificationResult.Defect.MISSING_ENTRIES,
                            "the head records " + head.seq() + " entries but the log" + " ends at #" + last
                                    + ": entries #" + expectedSeq + " to #" + head.seq() + " were removed"));
        }
        if (!expectedPrev.equals(head.hash())) {
            return invalid(
                    checked,
                    head,
                    now,
                    new VerificationResult.Problem(
                            head.seq(),
                            null,
                            VerificationResult.Defect.MISSING_ENTRIES,
                            "the head's hash " + head.hash() + " is not the hash of" + " entry #" + head.seq() + " ("
                                    + expectedPrev + "): the head or the last entry was rewritten"));
        }
        Head after = head();
        Long beyond = jdbc.sql("SELECT MIN(seq) FROM audit_entries WHERE seq > ?")
                .param(after.seq())
                .query(Long.class)
                .optional()
                .orElse(null);
        if (beyond != null) {
            var extra = entry(beyond);
            return invalid(
                    checked,
                    head,
                    now,
                    new VerificationResult.Problem(
                            beyond,
                            extra.map(AuditEntry::kind).orElse(null),
                            VerificationResult.Defect.UNEXPECTED_ENTRIES,
                            "entry #" + beyond + " lies past the" + " head (#" + after.seq()
                                    + "): it was written into the table, not appended to the log"));
        }
        String summary = checked == 0
                ? "the audit log is empty"
                : "all " + checked + " entries verified: each links to the one before, hashes to its stored hash, and"
                        + " carries a valid signature by the coordinator key " + signerFingerprint;
        return new VerificationResult(true, checked, head.seq(), head.hash(), signerFingerprint, now, null, summary);
    }

    /**
     * {@link #verify()}, and then that the chain still reaches {@code expected}, a head written
     * down earlier: the log may only have grown since. A shorter log, or another hash at that
     * sequence number, means entries were cut from the end (and the head reset) or rewritten -
     * which a chain that is merely consistent in itself cannot show.
     */
    public VerificationResult verify(Head expected) {
        VerificationResult v = verify();
        if (!v.valid()) {
            return v;
        }
        Head head = new Head(v.headSeq(), v.headHash());
        String exported = "the head exported earlier (#" + expected.seq() + " " + expected.hash() + ")";
        if (head.seq() < expected.seq()) {
            return invalid(
                    v.entriesChecked(),
                    head,
                    v.checkedAt(),
                    new VerificationResult.Problem(
                            expected.seq(),
                            null,
                            VerificationResult.Defect.HEAD_ROLLED_BACK,
                            "the log ends at #" + head.seq() + " but " + exported
                                    + " is later: entries #" + (head.seq() + 1) + " to #" + expected.seq()
                                    + " were removed and the"
                                    + " head reset (or this is not the log that head was exported from)"));
        }
        String actual = expected.seq() == 0
                ? AuditChain.GENESIS_HASH
                : entry(expected.seq()).map(AuditEntry::hash).orElse("missing");
        if (!actual.equals(expected.hash())) {
            return invalid(
                    v.entriesChecked(),
                    head,
                    v.checkedAt(),
                    new VerificationResult.Problem(
                            expected.seq(),
                            entry(expected.seq()).map(AuditEntry::kind).orElse(null),
                            VerificationResult.Defect.HEAD_MISMATCH,
                            "entry #" + expected.seq() + " now hashes to " + actual + ", not to " + exported
                                    + ": the log was" + " rewritten at or before #" + expected.seq()
                                    + " and re-signed"));
        }
        return new VerificationResult(
                true,
                v.entriesChecked(),
                v.headSeq(),
                v.headHash(),
                v.signer(),
                v.checkedAt(),
                null,
                v.summary() + "; the log still reaches " + exported);
    }

    private VerificationResult.Problem check(AuditEntry e, long expectedSeq, String expectedPrev) {
        if (e.seq() != expectedSeq) {
            return new VerificationResult.Problem(
                    expectedSeq,
                    null,
                    VerificationResult.Defect.BROKEN_LINK,
                    "entry #" + expectedSeq + " is missing: the entry after #" + (expectedSeq - 1) + " is #" + e.seq()
                            + " (" + e.kind() + "); entries were deleted or renumbered");
        }
        if (!expectedPrev.equals(e.prevHash())) {
            return new VerificationResult.Problem(
                    e.seq(),
                    e.kind(),
                    VerificationResult.Defect.BROKEN_LINK,
                    "entry #" + e.seq() + " (" + e.kind() + ") does not link to the hash of entry #" + (e.seq() - 1)
                            + ": an entry was replaced, inserted or removed before it");
        }
        String recomputed = AuditChain.hash(e.prevHash(), e.seq(), e.at(), e.kind(), e.actor(), e.detailsJson());
        if (!recomputed.equals(e.hash())) {
            return new VerificationResult.Problem(
                    e.seq(),
                    e.kind(),
                    VerificationResult.Defect.HASH_MISMATCH,
                    "entry #" + e.seq() + " (" + e.kind() + ", by " + e.actor() + " at " + AuditChain.timestamp(e.at())
                            + ") does not match its hash: its time, kind, actor or details were changed after it was"
                            + " written (stored " + e.hash() + ", recomputed " + recomputed + ")");
        }
        if (!signerFingerprint.equals(e.signer())) {
            return new VerificationResult.Problem(
                    e.seq(),
                    e.kind(),
                    VerificationResult.Defect.UNKNOWN_SIGNER,
                    "entry #" + e.seq() + " (" + e.kind() + ") names signing key " + e.signer() + ", not this"
                            + " coordinator's key " + signerFingerprint
                            + " (was the coordinator's data directory replaced?)");
        }
        if (!verifier.verify(HexFormat.of().parseHex(e.hash()), e.signature())) {
            return new VerificationResult.Problem(
                    e.seq(),
                    e.kind(),
                    VerificationResult.Defect.BAD_SIGNATURE,
                    "entry #" + e.seq() + " (" + e.kind() + ") has a signature that does not verify with the"
                            + " coordinator key " + signerFingerprint + ": its hash or signature was rewritten");
        }
        return null;
    }

    private VerificationResult invalid(long checked, Head head, Instant now, VerificationResult.Problem p) {
        return new VerificationResult(
                false,
                checked,
                head.seq(),
                head.hash(),
                signerFingerprint,
                now,
                p,
                "the audit chain is broken at entry #" + p.seq() + (p.kind() == null ? "" : " (" + p.kind() + ")")
                        + ": " + p.message());
    }

    private static AuditEntry map(ResultSet rs, int i) throws SQLException {
        return new AuditEntry(
                rs.getLong("seq"),
                rs.getObject("appended_at", OffsetDateTime.class).toInstant(),
                rs.getString("kind"),
                rs.getString("actor"),
                rs.getString("details"),
                rs.getString("prev_hash"),
                rs.getString("hash"),
                rs.getBytes("signature"),
                rs.getString("signer"));
    }
}
