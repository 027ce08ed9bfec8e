package org.cohort.coordinator.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.cohort.coordinator.audit.VerificationResult.Defect;
import org.cohort.coordinator.ledger.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

class AuditLogTest {
    private DataSource ds;
    private JdbcClient jdbc;
    private TestSigner signer;
    private AuditLog log;

    @BeforeEach
    void setUp() {
        ds = TestDatabase.inMemory();
        jdbc = JdbcClient.create(ds);
        signer = new TestSigner();
        log = new AuditLog(jdbc, new DataSourceTransactionManager(ds), signer, Clock.systemUTC());
    }

    private void appendFour() {
        log.append(AuditKind.ENROLLMENT, "site:cleveland", Map.of("siteId", "cleveland", "siteName", "Cleveland"));
        log.append(AuditKind.STUDY_CREATED, "admin", Map.of("studyId", "st-1", "name", "heart"));
        log.append(
                AuditKind.LEDGER_CHARGE,
                "coordinator",
                Map.of(
                        "studyId",
                        "st-1",
                        "siteId",
                        "cleveland",
                        "event",
                        Map.of("type", "sampled_gaussian", "samplingRate", 0.1, "noiseMultiplier", 1.1, "steps", 20)));
        log.append(
                AuditKind.ROUND_COMPLETED,
                "coordinator",
                Map.of("studyId", "st-1", "roundNumber", 1, "participants", List.of("cleveland")));
    }

    @Test
    void appendsEntriesThatLinkAndVerify() {
        appendFour();
        List<AuditEntry> entries = log.entries(0, 100);

        assertThat(entries).extracting(AuditEntry::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(entries.get(0).prevHash()).isEqualTo(AuditChain.GENESIS_HASH);
        for (int i = 1; i < entries.size(); i++) {
            assertThat(entries.get(i).prevHash()).isEqualTo(entries.get(i - 1).hash());
        }
        VerificationResult v = log.verify();
        assertThat(v.valid()).isTrue();
        assertThat(v.entriesChecked()).isEqualTo(4);
        assertThat(v.headSeq()).isEqualTo(4);
        assertThat(v.headHash()).isEqualTo(entries.get(3).hash());
        assertThat(v.firstProblem()).isNull();
        assertThat(v.summary()).contains("all 4 entries verified");
    }

    @Test
    void emptyLogVerifies() {
        assertThat(log.verify().valid()).isTrue();
        assertThat(log.verify().summary()).isEqualTo("the audit log is empty");
    }

    @Test
    void detectsEditedAuditEntryAndNamesIt() {
        appendFour();
        jdbc.sql("UPDATE audit_entries SET details = REPLACE(details, '0.1', '0.01') WHERE seq = 3")
                .update();

        VerificationResult v = log.verify();

        assertThat(v.valid()).isFalse();
        assertThat(v.firstProblem().seq()).isEqualTo(3);
        assertThat(v.firstProblem().kind()).isEqualTo("LEDGER_CHARGE");
        assertThat(v.firstProblem().defect()).isEqualTo(Defect.HASH_MISMATCH);
        assertThat(v.summary()).contains("entry #3 (LEDGER_CHARGE)", "changed after it was written");
    }

    @Test
    void detectsEditedActorOrTime() {
        appendFour();
        jdbc.sql("UPDATE audit_entries SET actor = 'site:hungary' WHERE seq = 1")
                .update();
        assertThat(log.verify().firstProblem().seq()).isEqualTo(1);

        setUp();
        appendFour();
        jdbc.sql("UPDATE audit_entries SET appended_at = appended_at + INTERVAL '1' SECOND WHERE seq = 2")
                .update();
        assertThat(log.verify().firstProblem())
                .extracting(VerificationResult.Problem::seq, VerificationResult.Problem::defect)
                .containsExactly(2L, Defect.HASH_MISMATCH);
    }

    @Test
    void detectsARecomputedHashByItsSignature() {
        appendFour();
        AuditEntry e = log.entry(2).orElseThrow();
        String forged = "{\"name\":\"forged\",\"studyId\":\"st-1\"}";
        String hash = AuditChain.hash(e.prevHash(), e.seq(), e.at(), e.kind(), e.actor(), forged);
        jdbc.sql("UPDATE audit_entries SET details = ?, hash = ? WHERE seq = 2")
                .params(forged, hash)
                .update();

        VerificationResult v = log.verify();

        assertThat(v.firstProblem().seq()).isEqualTo(2);
        assertThat(v.firstProblem().defect()).isEqualTo(Defect.BAD_SIGNATURE);
    }

    @Test
    void detectsADeletedEntryAsABrokenLink() {
        appendFour();
        jdbc.sql("DELETE FROM audit_entries WHERE seq = 2").update();

        VerificationResult v = log.verify();

        assertThat(v.firstProblem().seq()).isEqualTo(2);
        assertThat(v.firstProblem().defect()).isEqualTo(Defect.BROKEN_LINK);
        assertThat(v.firstProblem().message()).contains("entry #2 is missing");
    }

    @Test
    void detectsEntriesRemovedFromTheEnd() {
        appendFour();
        jdbc.sql("DELETE FROM audit_entries WHERE seq >= 3").update();

        VerificationResult v = log.verify();

        assertThat(v.firstProblem().defect()).isEqualTo(Defect.MISSING_ENTRIES);
        assertThat(v.firstProblem().message()).contains("#3 to #4 were removed");
    }

    @Test
    void detectsARowWrittenPastTheHead() {
        appendFour();
        AuditEntry last = log.entry(4).orElseThrow();
        jdbc.sql("""
                INSERT INTO audit_entries (seq, appended_at, kind, actor, details, prev_hash, hash, signature, signer)
                SELECT 5, appended_at, kind, actor, details, hash, ?, signature, signer FROM audit_entries WHERE seq = 4""").param("f".repeat(64)).update();

        VerificationResult v = log.verify();

        assertThat(v.firstProblem())
                .extracting(VerificationResult.Problem::seq, VerificationResult.Problem::defect)
                .containsExactly(5L, Defect.UNEXPECTED_ENTRIES);
        assertThat(last.seq()).isEqualTo(4);
    }

    @Test
    void detectsEntriesSignedByAnotherKey() {
        appendFour();
        var otherCoordinator =
                new AuditLog(jdbc, new DataSourceTransactionManager(ds), new TestSigner(), Clock.systemUTC());

        VerificationResult v = otherCoordinator.verify();

        assertThat(v.firstProblem().seq()).isEqualTo(1);
        assertThat(v.firstProblem().defect()).isEqualTo(Defect.UNKNOWN_SIGNER);
    }

    @Test
    void hashIsTheDocumentedBytes() throws Exception {
        var clock = Clock.fixed(Instant.parse("2026-03-01T09:30:00.125Z"), ZoneOffset.UTC);
        var fixed = new AuditLog(jdbc, new DataSourceTransactionManager(ds), signer, clock);
        AuditEntry e = fixed.append("ENROLLMENT", "site:va", Map.of("siteName", "VA Long Beach", "siteId", "va"));

        String preimage = "{\"actor\":\"site:va\",\"at\":\"2026-03-01T09:30:00.125Z\",\"details\":"
                + "{\"siteId\":\"va\",\"siteName\":\"VA Long Beach\"},\"kind\":\"ENROLLMENT\",\"seq\":1}";
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(new byte[32]);
        sha.update(preimage.getBytes(StandardCharsets.UTF_8));
        assertThat(e.hash()).isEqualTo(HexFormat.of().formatHex(sha.digest()));
        assertThat(e.detailsJson()).isEqualTo("{\"siteId\":\"va\",\"siteName\":\"VA Long Beach\"}");
        assertThat(org.cohort.crypto.signature.SignatureVerifier.ed25519(signer.publicKey())
                        .verify(HexFormat.of().parseHex(e.hash()), e.signature()))
                .isTrue();
        assertThat(fixed.entry(1).orElseThrow()).isEqualTo(e); // read back exactly as written
    }

    @Test
    void writesNumbersInTheRfc8785FormEveryStoredEntryWasWrittenIn() {
        // The bytes the coordinator has always written for these details (its writer was RFC 8785
        // from the start); a change here would give new hashes for equal details, not break old ones.
        var details = new java.util.LinkedHashMap<String, Object>();
        details.put(
                "event", Map.of("type", "sampled_gaussian", "samplingRate", 1e-5, "noiseMultiplier", 1.1, "steps", 20));
        details.put("delta", 1e-7);
        details.put("epsilon", 0.8420000000000001);
        details.put("bytes", 9007199254740993L);
        AuditEntry e = log.append(AuditKind.LEDGER_CHARGE, "coordinator", details);

        assertThat(e.detailsJson())
                .isEqualTo(
                        "{\"bytes\":9007199254740993,\"delta\":1e-7,\"epsilon\":0.8420000000000001,"
                                + "\"event\":{\"noiseMultiplier\":1.1,\"samplingRate\":0.00001,\"steps\":20,\"type\":\"sampled_gaussian\"}}");
    }

    @Test
    void anEntryStoredInAnotherNumberSpellingStillVerifies() {
        // Verification hashes the details exactly as stored and never writes them again, so an
        // entry whose numbers another writer spelled (Java's 1.0E-5 for 0.00001) keeps verifying.
        appendFour();
        var head = log.head();
        String details = "{\"delta\":1.0E-5,\"studyId\":\"st-1\"}";
        Instant at = Instant.parse("2026-03-01T09:30:00.125Z");
        long seq = head.seq() + 1;
        String hash = AuditChain.hash(head.hash(), seq, at, "STUDY_CREATED", "admin", details);
        jdbc.sql("""
                INSERT INTO audit_entries (seq, appended_at, kind, actor, details, prev_hash, hash, signature, signer)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        seq,
                        java.time.OffsetDateTime.ofInstant(at, ZoneOffset.UTC),
                        "STUDY_CREATED",
                        "admin",
                        details,
                        head.hash(),
                        hash,
                        signer.sign(HexFormat.of().parseHex(hash)),
                        log.signerFingerprint())
                .update();
        jdbc.sql("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
                .params(seq, hash)
                .update();
        log.append(AuditKind.ROUND_COMPLETED, "coordinator", Map.of("studyId", "st-1", "delta", 1e-5));

        VerificationResult v = log.verify();

        assertThat(v.valid()).as(v.summary()).isTrue();
        assertThat(v.entriesChecked()).isEqualTo(6);
        assertThat(log.entry(5).orElseThrow().detailsJson()).isEqualTo(details);
        assertThat(log.entry(6).orElseThrow().detailsJson()).contains("\"delta\":0.00001");
    }

    @Test
    void serialisesConcurrentAppendsIntoOneChain() throws Exception {
        var pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            // Each thread is its own "replica": its own AuditLog over the same database.
            var replica = new AuditLog(jdbc, new DataSourceTransactionManager(ds), signer, Clock.systemUTC());
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 15; i++) {
                    replica.append("TEST", "coordinator", Map.of("thread", thread, "i", i));
                }
            }));
        }
        for (var f : futures) {
            f.get();
        }
        pool.shutdown();

        VerificationResult v = log.verify();
        assertThat(v.valid()).as(v.summary()).isTrue();
        assertThat(v.entriesChecked()).isEqualTo(60);
    }

    @Test
    void appendCommitsOrRollsBackWithTheCallersTransaction() {
        var tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        tx.executeWithoutResult(status -> {
            log.append("TEST", "coordinator", Map.of("n", 1));
            status.setRollbackOnly();
        });
        assertThat(log.entries(0, 10)).isEmpty();
        assertThat(log.head().seq()).isZero();

        log.append("TEST", "coordinator", Map.of("n", 2));
        assertThat(log.verify().valid()).isTrue();
        assertThat(log.entry(1).orElseThrow().detailsJson()).isEqualTo("{\"n\":2}");
    }

    @Test
    void findsTheEntriesAboutAStudy() {
        appendFour();
        log.append(AuditKind.STUDY_CREATED, "admin", Map.of("studyId", "st-10"));
        assertThat(log.mentioning("studyId", "st-1"))
                .extracting(AuditEntry::seq)
                .containsExactly(2L, 3L, 4L);
        assertThat(log.mentioning("studyId", "st-%")).isEmpty();
    }

    @Test
    void refusesMalformedKindsAndActors() {
        assertThatThrownBy(() -> log.append("round completed", "coordinator", Map.of()))
                .hasMessageContaining("upper-case word");
        assertThatThrownBy(() -> log.append("TEST", " ", Map.of())).hasMessageContaining("actor");
        assertThat(log.entries(0, 10)).isEmpty();
    }

    @Test
    void aCutEndWithTheHeadResetVerifiesAloneButNotAgainstAnExportedHead() {
        appendFour();
        SignedHead exported = log.signedHead();
        jdbc.sql("DELETE FROM audit_entries WHERE seq = 4").update();
        String third = log.entry(3).orElseThrow().hash();
        jdbc.sql("UPDATE audit_head SET seq = 3, hash = ? WHERE id = 1")
                .param(third)
                .update();

        assertThat(log.verify().valid())
                .as("a chain cut at its end is consistent in itself")
                .isTrue();
        VerificationResult v = log.verify(exported.head());

        assertThat(v.valid()).isFalse();
        assertThat(v.firstProblem())
                .extracting(VerificationResult.Problem::seq, VerificationResult.Problem::defect)
                .containsExactly(4L, Defect.HEAD_ROLLED_BACK);
        assertThat(v.summary())
                .contains("the log ends at #3", "#4 " + exported.hash(), "entries #4 to #4 were removed");
    }

    @Test
    void aLogRewrittenAndResignedWithTheKeyFailsAgainstAnExportedHead() {
        appendFour();
        SignedHead exported = log.signedHead();
        // Whoever holds the key can rebuild a whole chain that verifies; the exported head still tells.
        jdbc.sql("DELETE FROM audit_entries").update();
        jdbc.sql("UPDATE audit_head SET seq = 0, hash = ? WHERE id = 1")
                .param(AuditChain.GENESIS_HASH)
                .update();
        log.append(AuditKind.ENROLLMENT, "site:cleveland", Map.of("siteId", "cleveland", "siteName", "Cleveland"));
        log.append(AuditKind.STUDY_CREATED, "admin", Map.of("studyId", "st-1", "name", "heart"));
        log.append(AuditKind.ROUND_COMPLETED, "coordinator", Map.of("studyId", "st-1", "roundNumber", 1));
        log.append(AuditKind.STUDY_STOPPED, "admin", Map.of("studyId", "st-1", "reason", "nothing to see"));

        assertThat(log.verify().valid()).isTrue();
        VerificationResult v = log.verify(exported.head());

        assertThat(v.firstProblem())
                .extracting(VerificationResult.Problem::seq, VerificationResult.Problem::defect)
                .containsExactly(4L, Defect.HEAD_MISMATCH);
        assertThat(v.firstProblem().message()).contains("rewritten at or before #4");
    }

    @Test
    void aLogThatGrewStillReachesAnExportedHead() {
        appendFour();
        SignedHead exported = log.signedHead();
        log.append(AuditKind.STUDY_STOPPED, "admin", Map.of("studyId", "st-1"));

        VerificationResult v = log.verify(exported.head());

        assertThat(v.valid()).isTrue();
        assertThat(v.headSeq()).isEqualTo(5);
        assertThat(v.summary()).contains("still reaches the head exported earlier (#4");
        assertThat(log.verify(new AuditLog.Head(0, AuditChain.GENESIS_HASH)).valid())
                .isTrue();
    }

    @Test
    void signsItsHeadOverTheDocumentedText() {
        appendFour();
        SignedHead head = log.signedHead();

        assertThat(head.seq()).isEqualTo(4);
        assertThat(head.hash()).isEqualTo(log.entry(4).orElseThrow().hash());
        byte[] text = ("cohort.v1.AuditHead\n4\n" + head.hash()).getBytes(StandardCharsets.UTF_8);
        assertThat(org.cohort.crypto.signature.SignatureVerifier.ed25519(signer.publicKey())
                        .verify(text, head.signature()))
                .isTrue();
        assertThat(log.signedByThisCoordinator(head)).isTrue();
        assertThat(log.signedByThisCoordinator(new SignedHead(5, head.hash(), head.signature(), head.signer())))
                .as("the signature binds the sequence number")
                .isFalse();
    }

    @Test
    void aHeadIsMadeDurableBeforeItIsHandedOutOncePerHead() {
        var flushes = new java.util.concurrent.atomic.AtomicInteger();
        var durable = new AuditLog(jdbc, new DataSourceTransactionManager(ds), signer, Clock.systemUTC(), () -> {
            jdbc.sql("CHECKPOINT SYNC").update(); // what the coordinator runs on H2
            flushes.incrementAndGet();
        });
        appendFour();

        durable.signedHead();
        durable.signedHead();
        assertThat(flushes).hasValue(1);
        durable.append(AuditKind.STUDY_STOPPED, "admin", Map.of("studyId", "st-1"));
        assertThat(durable.signedHead().seq()).isEqualTo(5);
        assertThat(flushes).hasValue(2);
    }
}
