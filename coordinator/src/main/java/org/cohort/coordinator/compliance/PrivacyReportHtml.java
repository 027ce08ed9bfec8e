package org.cohort.coordinator.compliance;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.compliance.PrivacyViews.AuditLine;
import org.cohort.coordinator.compliance.PrivacyViews.AuditStatus;
import org.cohort.coordinator.compliance.PrivacyViews.ChargeView;
import org.cohort.coordinator.compliance.PrivacyViews.PrivacyReportDocument;
import org.cohort.coordinator.compliance.PrivacyViews.SiteView;
import org.cohort.coordinator.compliance.PrivacyViews.StudyPrivacy;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * The privacy report as one self-contained HTML page: inline CSS, an inline SVG plot of ε over
 * rounds per site, no scripts, fonts or links to fetch, so it can be archived, mailed and opened
 * offline years later. Every number on it says its unit, δ, accountant, conversion and inputs.
 */
public final class PrivacyReportHtml {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b1f24;\
            max-width:1100px;margin:2em auto;padding:0 1.2em;line-height:1.45}
            h1{font-size:1.6em;margin-bottom:.1em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #d0d7de;\
            padding-bottom:.2em}.sub{color:#57606a;margin-top:0}
            table{border-collapse:collapse;width:100%;font-size:.92em;margin:.6em 0}th,td{border:1px solid #d0d7de;\
            padding:.35em .5em;text-align:left;vertical-align:top}th{background:#f6f8fa}
            td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            .statement{background:#f3f8ff;border-left:4px solid #0072B2;padding:.6em 1em;margin:.6em 0}
            .ok{color:#116329;font-weight:600}.bad{color:#a40e26;font-weight:600}.warn{color:#9a6700;font-weight:600}
            .small{font-size:.85em;color:#57606a}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;\
            font-size:.88em;word-break:break-all}svg{max-width:100%;height:auto;border:1px solid #d0d7de;background:#fff}
            footer{margin-top:2.5em;font-size:.85em;color:#57606a;border-top:1px solid #d0d7de;padding-top:.6em}
            @media print{body{margin:0}h2{break-after:avoid}table,svg{break-inside:avoid}}
            """;

    private PrivacyReportHtml() {}

    public static String render(PrivacyReportDocument doc) {
        StudyPrivacy p = doc.privacy();
        StringBuilder h = new StringBuilder(32_768);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(esc(doc.title()))
                .append("</title>\n<style>")
                .append(CSS)
                .append("</style>\n</head>\n<body>\n");
        h.append("<header><h1>Privacy report</h1><p class=\"sub\">Study <b>")
                .append(esc(p.studyName()))
                .append("</b> (<code>")
                .append(esc(p.studyId()))
                .append("</code>) · generated ")
                .append(esc(time(doc.generatedAt())))
                .append(" by the Cohort coordinator</p></header>\n");

        h.append("<h2>In plain language</h2>\n");
        for (String s : doc.statements()) {
            h.append("<p class=\"statement\">").append(esc(s)).append("</p>\n");
        }
        scope(h, doc.scope());
        settings(h, p);
        sites(h, p);
        plots(h, p);
        inputs(h, p);
        audit(h, doc.audit(), doc.auditEntries());
        h.append("<h2>How to recompute every number</h2>\n<ul>\n");
        for (String s : doc.howToRecompute()) {
            h.append("<li><code>").append(esc(s)).append("</code></li>\n");
        }
        h.append(
                        "</ul>\n<footer>Every ε on this page is stated with its unit (whom it protects), δ, the accountant and")
                .append(
                        " conversion that produced it, and the privacy events it was computed from. ε bounds what anyone")
                .append(
                        " who sees the released models can learn about one unit: whether that unit's data was used changes")
                .append(
                        " the probability of any outcome by at most a factor of e<sup>ε</sup>, except with probability δ.")
                .append(" This page is self-contained: it loads nothing.</footer>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void scope(StringBuilder h, ProtectionScope scope) {
        h.append("<h2>What ε protects, and against whom</h2>\n<table>\n");
        row(h, "Adjacency", scope.adjacency());
        row(h, "Against", scope.against());
        h.append("</table>\n<h3>Public by assumption</h3>\n<ul>\n");
        scope.publicByAssumption().forEach(s -> h.append("<li>").append(esc(s)).append("</li>\n"));
        h.append("</ul>\n<h2>What is not protected</h2>\n<ul>\n");
        scope.notProtected().forEach(s -> h.append("<li>").append(esc(s)).append("</li>\n"));
        h.append("</ul>\n<h3>How big is ε?</h3>\n<ul>\n");
        scope.scale().forEach(s -> h.append("<li>").append(esc(s)).append("</li>\n"));
        h.append("</ul>\n");
    }

    private static void settings(StringBuilder h, StudyPrivacy p) {
        h.append("<h2>Settings</h2>\n<table>\n");
        if (!PrivacyWords.isPrivate(p.mode())) {
            row(h, "Differential privacy", "none: no ε is claimed for this study's models");
        } else {
            boolean patient = p.mode() == PrivacyMode.PRIVACY_MODE_PATIENT;
            row(
                    h,
                    "Protected unit",
                    patient
                            ? "patient-level: each site runs DP-SGD (per-example clipping, Gaussian noise, Poisson sampling) and"
                                    + " accounts its own steps"
                            : "site-level: DP-FedAvg (each site's whole update clipped, Gaussian noise on the sum)");
            row(
                    h,
                    "ε budget per " + p.unit(),
                    PrivacyNumbers.epsilon(p.epsilonBudget()) + " (" + p.unit() + "-level, at δ = " + p.deltaText()
                            + ", " + p.method() + ")");
            row(h, "δ", p.deltaText() + " (the probability with which the ε bound may fail)");
            row(
                    h,
                    "Accountant",
                    p.method() + " [accountant=" + p.accountant() + ", conversion=" + p.conversion() + "]");
            row(h, "Refusal", "a round that would take any selected site past the budget is refused before it runs");
        }
        h.append("</table>\n");
    }

    private static void sites(StringBuilder h, StudyPrivacy p) {
        h.append("<h2>ε per site</h2>\n");
        if (p.sites().isEmpty()) {
            h.append("<p>No privacy has been charged in this study yet.</p>\n");
            return;
        }
        h.append("<table>\n<tr><th>Site</th><th>Unit</th><th>Rounds charged</th><th>ε spent</th><th>ε budget</th>")
                .append("<th>Remaining ε</th><th>Rounds left at current parameters</th><th>δ</th>")
                .append("<th>Accountant / conversion</th><th>Inputs</th></tr>\n");
        for (SiteView s : p.sites()) {
            String unitWords = s.spent().unitLabel() + ", δ = " + s.spent().deltaText();
            h.append("<tr><td>")
                    .append(esc(s.siteName()))
                    .append("<br><span class=\"small mono\">")
                    .append(esc(s.siteId()))
                    .append("</span></td><td>")
                    .append(esc(s.spent().unitLabel()))
                    .append("</td><td class=\"num\">")
                    .append(s.roundsCharged())
                    .append("</td><td class=\"num\"><b>")
                    .append(esc(s.spent().epsilonText()))
                    .append("</b><br><span class=\"small\">")
                    .append(esc(unitWords))
                    .append("</span>")
                    .append(
                            s.budget() != null
                                            && s.spent().epsilon() > s.budget().epsilon()
                                    ? "<br><span class=\"bad\">over budget</span>"
                                    : "")
                    .append("</td>");
            if (s.budget() == null) {
                h.append("<td colspan=\"3\" class=\"small\">no budget declared for this unit</td>");
            } else {
                h.append("<td class=\"num\">")
                        .append(esc(s.budget().epsilonText()))
                        .append("<br><span class=\"small\">")
                        .append(esc(unitWords))
                        .append("</span></td><td class=\"num\">")
                        .append(esc(PrivacyNumbers.epsilon(s.remainingEpsilon())))
                        .append("</td><td class=\"num\">")
                        .append(
                                s.exhausted()
                                        ? "<span class=\"bad\">0 - budget reached</span>"
                                        : esc(s.roundsLeft().text()))
                        .append("<br><span class=\"small\">")
                        .append(esc(s.roundsLeft().method()))
                        .append("</span></td>");
            }
            h.append("<td class=\"num\">")
                    .append(esc(s.spent().deltaText()))
                    .append("</td><td>")
                    .append(esc(s.spent().method()))
                    .append("<br><span class=\"small\">")
                    .append(esc(s.spent().accountingParameters()))
                    .append("</span></td><td class=\"small\">")
                    .append(esc(PrivacyViews.describeRounds(s.charges())))
                    .append("</td></tr>\n");
        }
        h.append(
                        "</table>\n<p class=\"small\">Remaining ε is the budget minus what is spent; privacy loss does not add")
                .append(" up linearly across rounds, so plan with the rounds left, which compose future rounds at each")
                .append(" site's current parameters (its last round) with the same accountant.</p>\n");
    }

    private static void plots(StringBuilder h, StudyPrivacy p) {
        Map<String, List<SiteView>> byUnit = new LinkedHashMap<>();
        for (SiteView s : p.sites()) {
            byUnit.computeIfAbsent(s.unit(), k -> new ArrayList<>()).add(s);
        }
        if (byUnit.isEmpty()) {
            return;
        }
        h.append("<h2>ε over rounds</h2>\n");
        for (var e : byUnit.entrySet()) {
            h.append(EpsilonChart.svg(
                    e.getValue(), p.unit() != null && p.unit().equals(e.getKey()) ? p.epsilonBudget() : null));
        }
    }

    private static void inputs(StringBuilder h, StudyPrivacy p) {
        if (p.sites().isEmpty()) {
            return;
        }
        h.append("<h2>Inputs: every ledger charge</h2>\n<p class=\"small\">Each row is one release at one site: an")
                .append(" attempt of a round whose update the coordinator could read (a plain update received and")
                .append(" verified, or a secure sum unmasked), recorded in the coordinator's ledger at that moment,")
                .append(" whether or not the attempt was published. A retried attempt trained again with fresh noise")
                .append(" and has its own row; the same signed update received twice has one.")
                .append(" q is the sampling rate (each record's chance of taking part in a step), σ the noise")
                .append(
                        " multiplier (noise standard deviation / clipping norm), steps the number of compositions.</p>\n");
        for (SiteView s : p.sites()) {
            h.append("<h3>")
                    .append(esc(s.siteName()))
                    .append(" <span class=\"small\">(")
                    .append(esc(s.spent().unitLabel()))
                    .append(
                            ")</span></h3>\n<table>\n<tr><th>Round</th><th>Mechanism</th><th>q</th><th>σ</th><th>steps</th>")
                    .append("<th>ε after this round<br><span class=\"small\">")
                    .append(esc(s.spent().unitLabel()))
                    .append(", δ = ")
                    .append(esc(s.spent().deltaText()))
                    .append(", ")
                    .append(esc(s.spent().method()))
                    .append("</span></th><th>Charged at</th></tr>\n");
            for (ChargeView c : s.charges()) {
                h.append("<tr><td class=\"num\">")
                        .append(c.roundNumber())
                        .append(c.attempt() > 0 ? " <span class=\"small\">attempt " + c.attempt() + "</span>" : "")
                        .append("</td><td>")
                        .append(esc(c.event().type().replace('_', ' ')))
                        .append("</td><td class=\"num\">")
                        .append(esc(PrivacyNumbers.plain(c.event().samplingRate())))
                        .append("</td><td class=\"num\">")
                        .append(esc(PrivacyNumbers.plain(c.event().noiseMultiplier())))
                        .append("</td><td class=\"num\">")
                        .append(c.event().steps())
                        .append("</td><td class=\"num\">")
                        .append(esc(c.epsilonAfterText()))
                        .append("</td><td class=\"small\">")
                        .append(esc(time(c.chargedAt())))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n<p class=\"small\">Recompute: <code>")
                    .append(esc(s.recompute()))
                    .append("</code></p>\n")
                    .append(
                            "<details><summary class=\"small\">Event history (canonical JSON)</summary><pre class=\"mono\">")
                    .append(esc(s.historyJson()))
                    .append("</pre></details>\n");
        }
    }

    private static void audit(StringBuilder h, AuditStatus a, List<AuditLine> lines) {
        h.append("<h2>Audit chain</h2>\n<p>");
        if (a.valid()) {
            h.append("<span class=\"ok\">✔ intact</span> - ");
        } else {
            h.append("<span class=\"bad\">✘ broken</span> - ");
        }
        h.append(esc(a.summary())).append("</p>\n<table>\n");
        row(h, "Checked at", time(a.checkedAt()));
        row(h, "Entries checked", Long.toString(a.entriesChecked()));
        row(h, "Head", "#" + a.headSeq() + " " + a.headHash());
        row(h, "Signing key", a.signer() + " (the coordinator's Ed25519 key, which also signs model versions)");
        if (a.firstProblem() != null) {
            row(
                    h,
                    "First bad entry",
                    "#" + a.firstProblem().seq()
                            + (a.firstProblem().kind() == null
                                    ? ""
                                    : " (" + a.firstProblem().kind() + ")") + ": "
                            + a.firstProblem().defect() + " - "
                            + a.firstProblem().message());
        }
        row(h, "Entries about this study", Long.toString(a.entriesAboutStudy()));
        h.append("</table>\n");
        if (!lines.isEmpty()) {
            h.append(
                    "<table>\n<tr><th>#</th><th>Time</th><th>Kind</th><th>Actor</th><th>What</th><th>Hash</th></tr>\n");
            for (AuditLine l : lines) {
                h.append("<tr><td class=\"num\">")
                        .append(l.seq())
                        .append("</td><td class=\"small\">")
                        .append(esc(time(l.at())))
                        .append("</td><td>")
                        .append(esc(l.kind()))
                        .append("</td><td>")
                        .append(esc(l.actor()))
                        .append("</td><td class=\"small\">")
                        .append(esc(l.summary()))
                        .append("</td><td class=\"mono small\">")
                        .append(esc(l.hash().substring(0, Math.min(16, l.hash().length()))))
                        .append("…</td></tr>\n");
            }
            h.append("</table>\n");
        }
    }

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><th>")
                .append(esc(key))
                .append("</th><td>")
                .append(esc(value))
                .append("</td></tr>\n");
    }

    /** HTML text and attribute escaping. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }
}
