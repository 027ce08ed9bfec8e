package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole tool against a stand-in coordinator: routing, help, exit codes and messages. */
class CohortTest {
    private static final String TOKEN = "s3cret";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> bodies = new ConcurrentHashMap<>();
    private final Map<String, String> seenAuth = new ConcurrentHashMap<>();
    private HttpServer server;
    private String url;

    @BeforeEach
    void startCoordinator() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            seenAuth.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            int status;
            String body;
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = "{\"error\":\"unauthorized\",\"message\":\"send Authorization: Bearer <token>\"}";
            } else if (bodies.containsKey(path)) {
                status = 200;
                body = bodies.get(path);
            } else {
                status = 404;
                body =
                        "{\"error\":\"not found\",\"message\":\"no study with id 'st-404'; list studies with GET /api/studies\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopCoordinator() {
        server.stop(0);
    }

    private int run(Map<String, String> env, String... args) {
        return Cohort.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
    }

    private int remote(String... args) {
        return run(Map.of("COHORT_TOKEN", TOKEN, "COHORT_COORDINATOR", url), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsHelpForTheToolAndEachCommand() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("privacy epsilon", "privacy budget", "audit verify", "report", "Exit codes");
        for (List<String> cmd : List.of(
                List.of("privacy", "epsilon", "--help"),
                List.of("privacy", "budget", "--help"),
                List.of("audit", "verify", "--help"),
                List.of("report", "--help"),
                List.of("privacy", "--help"))) {
            out.reset();
            assertThat(run(Map.of(), cmd.toArray(String[]::new)))
                    .as(cmd.toString())
                    .isZero();
            assertThat(out()).startsWith("Usage: cohort");
        }
    }

    @Test
    void exitsWithUsageForNoOrUnknownCommands() {
        assertThat(run(Map.of())).isEqualTo(2);
        assertThat(err()).contains("Usage: cohort <command>");
        assertThat(run(Map.of(), "train")).isEqualTo(2);
        assertThat(err()).contains("unknown command 'train'");
        assertThat(run(Map.of(), "privacy")).isEqualTo(2);
        assertThat(err()).contains("'privacy' needs a subcommand: epsilon, budget or audit");
        assertThat(run(Map.of(), "audit", "check")).isEqualTo(2);
        assertThat(err()).contains("'audit' needs a subcommand: verify or head (got 'check')");
    }

    @Test
    void showsAStudysBudgetWithEveryNumbersUnitDeltaAndMethod() {
        bodies.put("/api/studies/st-1/privacy", """
                {"studyId":"st-1","studyName":"heart","mode":"patient","unit":"patient","delta":1e-5,"deltaText":"1e-5",
                 "epsilonBudget":1.0,"accountant":"rdp","conversion":"improved","method":"RDP accountant with improved conversion",
                 "statement":"Study heart (st-1) promises every patient at every site ε ≤ 1.000 at δ = 1e-5.",
                 "sites":[{"siteId":"s-cle","siteName":"Cleveland","unit":"patient","roundsCharged":3,
                   "spent":{"epsilon":0.84,"epsilonText":"0.840","unit":"patient","unitLabel":"patient-level","delta":1e-5,
                            "deltaText":"1e-5","method":"RDP accountant with improved conversion"},
                   "budget":{"epsilon":1.0,"epsilonText":"1.000"},"remainingEpsilon":0.16,
                   "roundsLeft":{"rounds":1,"atLeast":false,"text":"1"},"exhausted":false,
                   "recompute":"cohort privacy epsilon --q 0.1 --sigma 1.1 --steps 20 --rounds 3 --delta 1e-5 --accountant rdp",
                   "statement":"For any single patient at Cleveland, anything an observer learns ... ε = 0.840 at δ = 1e-5"}]}
                """);
        assertThat(remote("privacy", "budget", "--study", "st-1")).isZero();
        assertThat(out())
                .contains(
                        "budget ε = 1.000 per patient at δ = 1e-5, RDP accountant with improved conversion",
                        "Cleveland",
                        "0.840",
                        "0.160",
                        "every ε above: patient-level, δ = 1e-5",
                        "cohort privacy epsilon --q 0.1",
                        "For any single patient at Cleveland");
        assertThat(seenAuth.get("/api/studies/st-1/privacy")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void auditVerifyExitsZeroWhenIntactAndOneWhenBroken() {
        bodies.put("/api/audit/verify", """
                {"valid":true,"entriesChecked":12,"headSeq":12,"headHash":"ab12","signer":"sha256:ff",
                 "checkedAt":"2026-03-01T12:00:00Z","summary":"all 12 entries verified"}""");
        assertThat(remote("audit", "verify")).isZero();
        assertThat(out()).contains("✔ audit chain intact: all 12 entries verified", "head      #12 ab12");

        out.reset();
        bodies.put("/api/audit/verify", """
                {"valid":false,"entriesChecked":3,"headSeq":12,"headHash":"ab12","signer":"sha256:ff",
                 "summary":"the audit chain is broken at entry #3 (LEDGER_CHARGE): changed after it was written",
                 "firstProblem":{"seq":3,"kind":"LEDGER_CHARGE","defect":"HASH_MISMATCH","message":"changed"}}""");
        assertThat(remote("audit", "verify")).isEqualTo(1);
        assertThat(out()).contains("✘ audit chain BROKEN", "first bad entry  #3 (LEDGER_CHARGE): HASH_MISMATCH");
    }

    @Test
    void writesTheReportWhereAsked(@TempDir Path dir) throws Exception {
        bodies.put("/api/studies/st-1/privacy-report.html", "<!DOCTYPE html><html><body>ε</body></html>");
        bodies.put("/api/studies/st-1/privacy-report", "{\"title\":\"Privacy report\"}");
        Path html = dir.resolve("out/report.html");

        assertThat(remote("report", "--study", "st-1", "--format", "html", "--out", html.toString()))
                .isZero();
        assertThat(Files.readString(html)).isEqualTo("<!DOCTYPE html><html><body>ε</body></html>");
        assertThat(out()).contains("wrote " + html, "html");

        Path json = dir.resolve("report.json");
        assertThat(remote("report", "--study", "st-1", "--format", "json", "--out", json.toString()))
                .isZero();
        assertThat(Files.readString(json)).isEqualTo("{\"title\":\"Privacy report\"}");
    }

    @Test
    void readsTheTokenFromAFile(@TempDir Path dir) throws Exception {
        bodies.put("/api/audit/verify", "{\"valid\":true,\"summary\":\"ok\"}");
        Path token = dir.resolve("admin-token");
        Files.writeString(token, TOKEN + "\n");
        assertThat(run(Map.of(), "audit", "verify", "--coordinator", url, "--token-file", token.toString()))
                .isZero();
    }

    @Test
    void saysWhatToDoWhenTheTokenIsRefusedOrMissing(@TempDir Path dir) {
        assertThat(run(Map.of("COHORT_TOKEN", "wrong", "COHORT_COORDINATOR", url), "audit", "verify"))
                .isEqualTo(1);
        assertThat(err()).contains("refused the admin token (401)", "--token-file PATH or COHORT_TOKEN");

        err.reset();
        assertThat(run(Map.of("COHORT_DATA_DIR", dir.toString()), "audit", "verify", "--coordinator", url))
                .isEqualTo(2);
        assertThat(err()).contains("no admin token: pass --token-file PATH");
    }

    @Test
    void saysWhatToDoWhenTheCoordinatorIsUnreachableOrTheStudyUnknown() {
        server.stop(0);
        assertThat(remote("audit", "verify")).isEqualTo(1);
        assertThat(err()).contains("cannot reach the coordinator at " + url, "Is it running?", "--coordinator URL");

        err.reset();
        assertThat(run(Map.of("COHORT_TOKEN", TOKEN), "report", "--study", "st-1", "--coordinator", "ftp://x"))
                .isEqualTo(2);
        assertThat(err()).contains("--coordinator must be the coordinator's REST address");
    }

    @Test
    void reportsTheCoordinatorsMessageForAnUnknownStudy() throws Exception {
        assertThat(remote("privacy", "budget", "--study", "st-404")).isEqualTo(1);
        assertThat(err()).contains("not found (404): no study with id 'st-404'");
        err.reset();
        assertThat(remote("report", "--study", "st-1", "--format", "pdf")).isEqualTo(2);
        assertThat(err()).contains("--format must be html or json, got 'pdf'");
        err.reset();
        assertThat(remote("privacy", "budget")).isEqualTo(2);
        assertThat(err()).contains("'privacy budget' needs --study");
    }

    private static final String HASH = "ab".repeat(32);

    private static final KeyPair KEY = ed25519();
    /** The coordinator's signer: the fingerprint of {@link #KEY}. */
    private static final String SIGNER = fingerprint(KEY);

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fingerprint(KeyPair key) {
        try {
            return "sha256:"
                    + java.util.HexFormat.of()
                            .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                    .digest(key.getPublic().getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What GET /api/audit/head answers: a head signed with the coordinator's Ed25519 key, and that key. */
    private static String signedHead(long seq, String hash) throws Exception {
        KeyPair key = KEY;
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(("cohort.v1.AuditHead\n" + seq + "\n" + hash).getBytes(StandardCharsets.UTF_8));
        return "{\"seq\":" + seq + ",\"hash\":\"" + hash + "\",\"signature\":\""
                + Base64.getEncoder().encodeToString(s.sign()) + "\",\"signer\":\"" + SIGNER + "\",\"publicKey\":\""
                + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()) + "\"}";
    }

    private Path exportedHead(Path dir, long seq) throws Exception {
        bodies.put("/api/audit/head", signedHead(seq, HASH));
        Path file = dir.resolve("head.json");
        assertThat(remote("audit", "head", "--out", file.toString())).isZero();
        out.reset();
        return file;
    }

    @Test
    void exportsTheSignedHeadToAFile(@TempDir Path dir) throws Exception {
        bodies.put("/api/audit/head", signedHead(12, HASH));
        Path file = dir.resolve("anchors/head.json");

        assertThat(remote("audit", "head", "--out", file.toString())).isZero();

        assertThat(Files.readString(file)).contains("\"seq\" : 12", HASH, "publicKey");
        assertThat(out()).contains("wrote " + file, "audit head #12 " + HASH, "cohort audit verify --expect-head");
    }

    @Test
    void verifyAgainstAnExportedHeadFailsAndNamesItWhenTheLogWasCutBack(@TempDir Path dir) throws Exception {
        Path head = exportedHead(dir, 12);
        bodies.put("/api/audit/verify", """
                {"valid":false,"entriesChecked":11,"headSeq":11,"headHash":"cd","signer":"sha256:ff",
                 "summary":"the audit chain is broken at entry #12: the log ends at #11 but the head exported earlier (#12) is later",
                 "firstProblem":{"seq":12,"defect":"HEAD_ROLLED_BACK","message":"the log ends at #11"}}""".replace("sha256:ff", SIGNER));

        assertThat(remote("audit", "verify", "--expect-head", head.toString())).isEqualTo(1);
        assertThat(out()).contains("✘ audit chain BROKEN", "first bad entry  #12: HEAD_ROLLED_BACK");
    }

    @Test
    void verifyAgainstAnExportedHeadChecksItHereTooWhenTheCoordinatorSaysIntact(@TempDir Path dir) throws Exception {
        Path head = exportedHead(dir, 12);
        // A coordinator that ignored the expected head: the chain it reports ends before it.
        bodies.put("/api/audit/verify", """
                {"valid":true,"entriesChecked":11,"headSeq":11,"headHash":"cd","signer":"sha256:ff","summary":"ok"}""".replace("sha256:ff", SIGNER));

        assertThat(remote("audit", "verify", "--expect-head", head.toString())).isEqualTo(1);
        assertThat(out()).contains("✘ audit chain BROKEN: the log ends at #11 but the exported head is #12");

        out.reset();
        bodies.put("/api/audit/verify", """
                {"valid":true,"entriesChecked":14,"headSeq":14,"headHash":"cd","signer":"sha256:ff","summary":"ok"}""".replace("sha256:ff", SIGNER));
        bodies.put("/api/audit/entries", "{\"entries\":[{\"seq\":12,\"hash\":\"" + "ee".repeat(32) + "\"}]}");
        assertThat(remote("audit", "verify", "--expect-head", head.toString())).isEqualTo(1);
        assertThat(out()).contains("entry #12 now hashes to " + "ee".repeat(32), "rewritten");

        out.reset();
        bodies.put("/api/audit/entries", "{\"entries\":[{\"seq\":12,\"hash\":\"" + HASH + "\"}]}");
        assertThat(remote("audit", "verify", "--expect-head", head.toString())).isZero();
        assertThat(out()).contains("✔ audit chain intact");
    }

    @Test
    void refusesAnEditedHeadFile(@TempDir Path dir) throws Exception {
        Path head = exportedHead(dir, 12);
        Files.writeString(head, Files.readString(head).replace("\"seq\" : 12", "\"seq\" : 9"));

        assertThat(remote("audit", "verify", "--expect-head", head.toString())).isEqualTo(1);
        assertThat(err()).contains("does not carry a valid signature");
    }

    @Test
    void refusesAHeadFileWhoseSignerIsNotTheKeyThatSignedIt(@TempDir Path dir) throws Exception {
        Path head = exportedHead(dir, 12);
        Files.writeString(head, Files.readString(head).replace(SIGNER, "sha256:" + "00".repeat(32)));

        assertThat(remote("audit", "verify", "--expect-head", head.toString())).isEqualTo(1);
        assertThat(err()).contains("was signed by the key " + SIGNER, "it was edited");
    }
}
