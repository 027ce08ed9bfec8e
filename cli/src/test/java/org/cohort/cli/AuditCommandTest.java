package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
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
        int code = audit("hungarian", 64, null, 100);

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
        int code = audit("hungarian", 64, "noise", 0);

        assertFailedWithLAboveE(code);
        assertThat(out()).contains("VIOLATION", "L from the canary audit", "FAILED at hungarian");
    }

    @Test
    void scalingByTheSitesOwnStatisticsShowsLAboveEFromTheDistinguisher() {
        int code = audit("cleveland", 16, "scaling", 100);

        assertFailedWithLAboveE(code);
        assertThat(out())
                .contains(
                        "D' = D plus one outlier",
                        "VIOLATION",
                        "L from the neighbouring-table distinguisher",
                        "FAILED at cleveland");
    }

    @Test
    void aDataDependentSplitFailsTheNeighbourAudit() {
        int code = audit("switzerland", 16, "split", 0);

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

    /**
     * {@code cohort privacy audit} of one site on the Heart Disease data, with {@code breakMode}
     * (null: the real pipeline).
     */
    private int audit(String site, int canaries, String breakMode, int distinguisherRuns) {
        var args = new java.util.ArrayList<>(List.of("privacy", "audit", "--site", site, "--canaries", "" + canaries));
        if (breakMode != null) {
            args.addAll(List.of("--break", breakMode));
        }
        args.addAll(List.of("--distinguisher-runs", "" + distinguisherRuns, "--data-dir", data().toString()));
        return run(args.toArray(String[]::new));
    }

    /** The audit failed, and the empirical lower bound L it printed is above the claimed E. */
    private void assertFailedWithLAboveE(int code) {
        System.out.print(out());
        assertThat(code).isEqualTo(Cohort.FAILED);
        double[] le = verdict();
        assertThat(le[0]).isGreaterThan(le[1]);
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
