package org.cohort.coordinator.api;

import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.audit.SignedHead;
import org.cohort.coordinator.audit.VerificationResult;
import org.cohort.coordinator.compliance.*;
import org.cohort.coordinator.compliance.PrivacyViews.PrivacyReportDocument;
import org.cohort.coordinator.compliance.PrivacyViews.StudyPrivacy;
import org.cohort.protocol.SignedMessages;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What compliance sees, under /api (so behind the admin token): ε for any parameters, a study's
 * budget per site, the audit chain's verification and entries, and the exportable report.
 */
@RestController
@RequestMapping("/api")
public class ComplianceController {
    private static final int MAX_ENTRIES_PAGE = 1000;
    private static final java.util.regex.Pattern HASH = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    private final PrivacyReports reports;
    private final AuditLog audit;
    private final ChainVerification verification;
    private final JsonMapper json;
    private final Clock clock;

    public ComplianceController(
            PrivacyReports reports, AuditLog audit, ChainVerification verification, JsonMapper json, Clock clock) {
        this.reports = reports;
        this.audit = audit;
        this.verification = verification;
        this.json = json;
        this.clock = clock;
    }

    /**
     * ε of one sampled Gaussian mechanism with a full statement, e.g.
     * {@code /api/privacy/epsilon?q=0.01&sigma=1.1&steps=1000&delta=1e-5&accountant=rdp}.
     */
    @GetMapping("/privacy/epsilon")
    public EpsilonStatement epsilon(
            @RequestParam(required = false) Double q,
            @RequestParam(required = false) Double sigma,
            @RequestParam(required = false) Long steps,
            @RequestParam(required = false) Long rounds,
            @RequestParam(required = false) Double delta,
            @RequestParam(required = false) String accountant,
            @RequestParam(required = false) String conversion) {
        return EpsilonStatement.compute(q, sigma, steps, rounds, delta, accountant, conversion);
    }

    /** Per site and unit: spent ε, budget, remaining, rounds left, δ, accountant, conversion and the inputs. */
    @GetMapping("/studies/{studyId}/privacy")
    public StudyPrivacy studyPrivacy(@PathVariable String studyId) {
        return reports.studyPrivacy(studyId);
    }

    /**
     * Recomputes the audit chain and holds the privacy ledger against it; names the first bad
     * entry or charge. With {@code expectSeq} and {@code expectHash} (a head from
     * {@code GET /api/audit/head}, written down earlier) the chain must also still reach that head.
     */
    @GetMapping("/audit/verify")
    public VerificationResult verify(
            @RequestParam(required = false) Long expectSeq, @RequestParam(required = false) String expectHash) {
        if (expectSeq == null && expectHash == null) {
            return verification.verify();
        }
        if (expectSeq == null
                || expectHash == null
                || expectSeq < 0
                || !HASH.matcher(expectHash).matches()) {
            throw new IllegalArgumentException("expectSeq and expectHash go together: the seq (a whole number >= 0)"
                    + " and hash (64 lower-case hex digits) of a head from GET /api/audit/head");
        }
        return verification.verify(new AuditLog.Head(expectSeq, expectHash));
    }

    /**
     * The chain's head, signed by the coordinator: write it down (or {@code cohort audit head
     * --out FILE}) and pass it to a later verification, which then also shows the log was not cut
     * back or rewritten up to it.
     */
    @GetMapping("/audit/head")
    public HeadView head() {
        SignedHead h = audit.signedHead();
        return new HeadView(
                h.seq(),
                h.hash(),
                Base64.getEncoder().encodeToString(h.signature()),
                h.signer(),
                Base64.getEncoder().encodeToString(audit.publicKey()),
                clock.instant(),
                "signature = Ed25519 over UTF-8 of \"" + SignedMessages.AUDIT_HEAD + "\\n\" + seq + \"\\n\" + hash,"
                        + " with the key above (X.509 SPKI, base64)");
    }

    /** A signed head as exported, with the key to check it. */
    public record HeadView(
            long seq,
            String hash,
            String signature,
            String signer,
            String publicKey,
            Instant exportedAt,
            String howToVerify) {}

    /**
     * Audit entries after {@code after}, oldest first, with hashes and signatures, and the
     * coordinator's public key: everything needed to verify the chain independently.
     */
    @GetMapping("/audit/entries")
    public AuditExport entries(
            @RequestParam(defaultValue = "0") long after, @RequestParam(defaultValue = "200") int limit) {
        if (limit < 1 || limit > MAX_ENTRIES_PAGE) {
            throw new IllegalArgumentException(
                    "limit must be between 1 and " + MAX_ENTRIES_PAGE + "; page with after=<last seq>");
        }
        var head = audit.head();
        List<EntryView> entries =
                audit.entries(after, limit).stream().map(this::view).toList();
        return new AuditExport(
                head.seq(),
                head.hash(),
                audit.signerFingerprint(),
                Base64.getEncoder().encodeToString(audit.publicKey()),
                entries,
                "hash_n = SHA-256(hash_{n-1} bytes || UTF-8 of canonical JSON {actor, at, details, kind, seq});"
                        + " signature = Ed25519 over the 32 hash bytes with the key above (X.509 SPKI, base64)");
    }

    /** The report as JSON. */
    @GetMapping("/studies/{studyId}/privacy-report")
    public PrivacyReportDocument report(@PathVariable String studyId) {
        return reports.report(studyId);
    }

    /** The report as one self-contained HTML page (inline CSS and SVG, no scripts). */
    @GetMapping(value = "/studies/{studyId}/privacy-report.html", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> reportHtml(@PathVariable String studyId) {
        String html = PrivacyReportHtml.render(reports.report(studyId));
        return ResponseEntity.ok()
                .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
                .header(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"privacy-report-" + studyId + ".html\"")
                .body(html);
    }

    /** A query parameter of the wrong type, e.g. q=abc: say which and what it should be. */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, Object>> badParameter(MethodArgumentTypeMismatchException e) {
        String type = e.getRequiredType() == null
                ? "value"
                : e.getRequiredType().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        return ResponseEntity.badRequest()
                .body(Map.of(
                        "error",
                        "bad request",
                        "message",
                        "parameter '" + e.getName()
                                + "' must be a "
                                + (type.equals("double")
                                        ? "number"
                                        : type.equals("long") || type.equals("int") ? "whole number" : type)
                                + ", got '" + e.getValue() + "'"));
    }

    /** An audit entry as exported: details parsed, and also exactly as hashed. */
    public record EntryView(
            long seq,
            Instant at,
            String kind,
            String actor,
            Map<?, ?> details,
            String detailsJson,
            String prevHash,
            String hash,
            String signature,
            String signer) {}

    public record AuditExport(
            long headSeq,
            String headHash,
            String signer,
            String publicKey,
            List<EntryView> entries,
            String howToVerify) {}

    private EntryView view(AuditEntry e) {
        Map<?, ?> details;
        try {
            details = json.readValue(e.detailsJson(), Map.class);
        } catch (RuntimeException ex) {
            details = Map.of("unparseable", e.detailsJson());
        }
        return new EntryView(
                e.seq(),
                e.at(),
                e.kind(),
                e.actor(),
                details,
                e.detailsJson(),
                e.prevHash(),
                e.hash(),
                Base64.getEncoder().encodeToString(e.signature()),
                e.signer());
    }
}
