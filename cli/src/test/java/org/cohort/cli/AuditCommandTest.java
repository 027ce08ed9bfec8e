package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cohort.learning.data.HeartDisease;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort privacy audit} on one Heart Disease centre with 64 canaries and a short
 * distinguisher: the real pipeline passes with L ≤ E, and the same command on a pipeline whose
 * noise is charged but not added, or whose scaling uses the site's own statistics, prints L > E
 * and exits 1. Seeded, so the figures are the same on every machine.
 */
class AuditCommandTest {
    private static final Pattern VERDICT =
            Pattern.compile("empirical ε lower bound L \\(95%\\) vs claimed ε E: L = ([0-9.]+) vs E = ([0-9.]+)");

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    @Test
    void theDemoPipelineShowsLBelowE() {
        int code = run(
                "privacy",
                "audit",
                "--site",
                "hungarian",
                "--canaries",
                "64",
                "--distinguisher-runs",
                "100",
                "--data-dir",
                data().toString());

        System.out.print(out());
        assertThat(code).as(cli.err()).isZero();
        double[] le = verdict();
        assertThat(le[0]).isLessThanOrEqualTo(le[1]);
        assertThat(le[1]).isBetween(0.9, 1.0);
        assertThat(out())
                .contains(
                        "64 canaries per site (4 runs of 16); 100 distinguisher runs per table",
                        "patient-level",
                        "add/remove-one-row",
                        "δ = 1e-5",
                        "RDP accountant",
                        "split and preprocessing (neighbouring tables): PASS",
                        "neighbouring-table distinguisher",
                        "verdict: PASS");
    }

    @Test
    void aPipelineThatDropsItsNoiseShowsLAboveEAndFails() {
        int code = run(
                "privacy",
                "audit",
                "--site",
                "hungarian",
                "--canaries",
                "64",
                "--break",
                "noise",
                "--distinguisher-runs",
                "0",
                "--data-dir",
                data().toString());

        System.out.print(out());
        assertThat(code).isEqualTo(Cohort.FAILED);
        double[] le = verdict();
        assertThat(le[0]).isGreaterThan(le[1]);
        assertThat(out()).contains("VIOLATION", "L from the canary audit", "FAILED at hungarian");
    }

    @Test
    void scalingByTheSitesOwnStatisticsShowsLAboveEFromTheDistinguisher() {
        int code = run(
                "privacy",
                "audit",
                "--site",
                "cleveland",
                "--canaries",
                "16",
                "--break",
                "scaling",
                "--distinguisher-runs",
                "100",
                "--data-dir",
                data().toString());

        System.out.print(out());
        assertThat(code).isEqualTo(Cohort.FAILED);
        double[] le = verdict();
        assertThat(le[0]).isGreaterThan(le[1]);
        assertThat(out())
                .contains(
                        "D' = D plus one outlier",
                        "VIOLATION",
                        "L from the neighbouring-table distinguisher",
                        "FAILED at cleveland");
    }

    @Test
    void aDataDependentSplitFailsTheNeighbourAudit() {
        int code = run(
                "privacy",
                "audit",
                "--site",
                "switzerland",
                "--canaries",
                "16",
                "--break",
                "split",
                "--distinguisher-runs",
                "0",
                "--data-dir",
                data().toString());

        assertThat(code).isEqualTo(Cohort.FAILED);
        assertThat(out()).contains("split and preprocessing (neighbouring tables): FAIL", "FAILED at switzerland");
    }

    @Test
    void refusesAnUnknownBreakOrSite() {
        assertThat(run("privacy", "audit", "--break", "everything")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("--break must be none, noise, split or scaling");
        assertThat(run("privacy", "audit", "--site", "boston")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("--site must be all or one of cleveland");
        assertThat(run("privacy", "audit", "--distinguisher-runs", "-1")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("--distinguisher-runs must be between 0 (off) and 1000000");
    }

    private double[] verdict() {
        Matcher m = VERDICT.matcher(out());
        assertThat(m.find()).as(out()).isTrue();
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    private static Path data() {
        Optional<Path> directory = HeartDisease.locateDataDirectory();
        assumeTrue(directory.isPresent(), "Heart Disease data not found (set cohort.heart.data)");
        return directory.get();
    }
}
