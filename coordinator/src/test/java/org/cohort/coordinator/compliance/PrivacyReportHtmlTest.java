package org.cohort.coordinator.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrivacyReportHtmlTest {
    private final ComplianceFixture f = new ComplianceFixture();
    private String html;

    @BeforeEach
    void setUp() {
        TestDatabase.study(f.ds, "st-1", "heart <b>disease</b>", TestDatabase.privacy("patient", 12.0, 1e-5, "rdp"));
        TestDatabase.site(f.ds, "s-cle", "Cleveland");
        TestDatabase.site(f.ds, "s-x", "<script>alert(1)</script>");
        for (int r = 1; r <= 4; r++) {
            f.round("st-1", r, Unit.PATIENT, new PrivacyEvent.SampledGaussian(0.1, 1.1, 20), "s-cle", "s-x");
        }
        html = PrivacyReportHtml.render(f.reports.report("st-1"));
    }

    @Test
    void isSelfContained() {
        assertThat(html)
                .startsWith("<!DOCTYPE html>")
                .contains("<style>")
                .doesNotContain("<script", "<link", "@import", "url(", "<img", "<iframe");
        // The only URL is the SVG namespace name, which is never fetched.
        var urls = Pattern.compile("https?://[^\"' <]+")
                .matcher(html)
                .results()
                .map(m -> m.group())
                .distinct()
                .toList();
        assertThat(urls).containsExactly("http://www.w3.org/2000/svg");
    }

    @Test
    void reportStatesUnitDeltaAccountantConversionAndInputsForEveryNumber() {
        assertThat(html)
                .contains(
                        "patient-level",
                        "δ = 1e-5",
                        "RDP accountant with improved conversion",
                        "accountant=rdp, conversion=improved",
                        "sampled Gaussian q=0.1, σ=1.1, 20 steps",
                        "rounds 1-4: sampled Gaussian q=0.1, σ=1.1, 20 steps each",
                        "Rényi orders",
                        "cohort privacy epsilon --q 0.1 --sigma 1.1 --steps 20 --rounds 4 --delta 1e-5 --accountant rdp",
                        "For any single patient at Cleveland");
        assertThat(html).contains("Audit chain", "✔ intact", "Signing key");
    }

    @Test
    void plotsEpsilonOverRoundsPerSiteWithTheBudget() {
        assertThat(html).contains("<svg");
        assertThat(Pattern.compile("<polyline").matcher(html).results().count()).isEqualTo(2);
        assertThat(Pattern.compile("<circle").matcher(html).results().count()).isEqualTo(8);
        assertThat(html).contains("budget ε = 12.000", "stroke-dasharray", ">round<");
    }

    @Test
    void escapesEverythingItQuotes() {
        assertThat(html)
                .doesNotContain("<script>alert(1)</script>", "<b>disease</b>")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;", "heart &lt;b&gt;disease&lt;/b&gt;");
    }

    @Test
    void saysWhenTheAuditChainIsBroken() {
        f.jdbc.sql("UPDATE audit_entries SET actor = 'admin' WHERE seq = 2").update();
        String broken = PrivacyReportHtml.render(f.reports.report("st-1"));
        assertThat(broken).contains("✘ broken", "First bad entry", "#2 (LEDGER_CHARGE): HASH_MISMATCH");
    }
}
