package org.cohort.learning.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.cohort.learning.data.HeartDisease;
import org.junit.jupiter.api.Test;

/**
 * The privacy audit on Heart Disease at the demo's settings, small enough for the test suite: the
 * real pipeline must show no violation, and a deliberately broken one must show one, or the
 * audit is too weak to mean anything. Seeded, so every figure is the same on every machine.
 */
class PipelineAuditTest {

    static final PipelineAudit.Study DEMO = PipelineAudit.Study.heartDiseaseDemo();
    static final int CANARIES = 16;
    static final int RUNS = 4;
    /** Counted distinguisher runs per table: about 2 s on Cleveland. */
    static final int DISTINGUISHER_RUNS = 100;
    /** The broken split's models lie only 2 deviations apart: twice the runs, for a margin over E. */
    static final int SPLIT_DISTINGUISHER_RUNS = 200;

    static final long SEED = 1;

    @Test
    void theSitePipelineShowsNoViolationOnCleveland() throws IOException {
        PipelineAudit.Report report = audit(BrokenPipeline.NONE, DISTINGUISHER_RUNS);

        report.lines().forEach(System.out::println);
        assertThat(report.neighbours().passes()).isTrue();
        assertThat(report.claimedEpsilon()).isBetween(0.9, 1.0);
        assertThat(report.canaries().outcome().canaries()).isEqualTo(CANARIES * RUNS);
        assertThat(report.canaries().epsilonLowerBound()).isLessThanOrEqualTo(report.claimedEpsilon());
        assertThat(report.distinguisher().testRuns()).isEqualTo(DISTINGUISHER_RUNS);
        assertThat(report.distinguisher().epsilonLowerBound()).isLessThanOrEqualTo(report.claimedEpsilon());
        assertThat(report.passes()).isTrue();
        assertThat(report.verdictLine())
                .startsWith("empirical ε lower bound L (95%) vs claimed ε E: L = ")
                .contains("no violation");
    }

    @Test
    void theAuditSeesNoiseThatIsChargedButNotAdded() throws IOException {
        PipelineAudit.Report report = audit(BrokenPipeline.NOISE, 0);

        report.lines().forEach(System.out::println);
        assertThat(report.claimedEpsilon())
                .as("the accountant's claim is unchanged")
                .isBetween(0.9, 1.0);
        // Not every guess need be right: an included canary may be Poisson-sampled only a few times.
        assertThat(report.canaries().outcome().correct()).isGreaterThanOrEqualTo(CANARIES * RUNS - 4);
        assertThat(report.canaries().confidence())
                .as("the canaries alone give L")
                .isEqualTo(0.95);
        assertThat(report.canaries().epsilonLowerBound()).isGreaterThan(2 * report.claimedEpsilon());
        assertThat(report.epsilonViolated()).isTrue();
        assertThat(report.verdictLine()).contains("VIOLATION", "L from the canary audit");
    }

    @Test
    void theDistinguisherTurnsADataDependentSplitIntoAViolation() throws IOException {
        PipelineAudit.Report report = audit(BrokenPipeline.SPLIT, SPLIT_DISTINGUISHER_RUNS);

        report.lines().forEach(System.out::println);
        assertThat(report.neighbours().passes()).isFalse();
        assertThat(report.distinguisher().neighbour())
                .as("the row whose removal moved the most others")
                .isEqualTo("without row " + report.neighbours().worstRemovedRow());
        assertThat(report.canaries().epsilonLowerBound())
                .as("no canary sees the split")
                .isLessThanOrEqualTo(report.claimedEpsilon());
        assertThat(report.distinguisher().epsilonLowerBound()).isGreaterThan(report.claimedEpsilon());
        assertThat(report.epsilonLowerBound()).isEqualTo(report.distinguisher().epsilonLowerBound());
        assertThat(report.verdictLine()).contains("VIOLATION", "L from the neighbouring-table distinguisher");
        assertThat(report.passes()).isFalse();
    }

    @Test
    void theDistinguisherTurnsScalingFromTheSitesStatisticsIntoAViolation() throws IOException {
        PipelineAudit.Report report = audit(BrokenPipeline.SCALING, DISTINGUISHER_RUNS);

        report.lines().forEach(System.out::println);
        assertThat(report.neighbours().passes()).isFalse();
        assertThat(report.neighbours().maxRowsMoved())
                .as("scaling moves no row, it changes them")
                .isZero();
        assertThat(report.distinguisher().neighbour()).startsWith("plus one outlier");
        assertThat(report.canaries().epsilonLowerBound()).isLessThanOrEqualTo(report.claimedEpsilon());
        assertThat(report.distinguisher().epsilonLowerBound()).isGreaterThan(2 * report.claimedEpsilon());
        assertThat(report.verdictLine()).contains("VIOLATION", "L from the neighbouring-table distinguisher");
    }

    private static PipelineAudit.Report audit(BrokenPipeline broken, int distinguisherRuns) throws IOException {
        Optional<Path> directory = HeartDisease.locateDataDirectory();
        assumeTrue(directory.isPresent(), "Heart Disease data not found (set cohort.heart.data)");
        return PipelineAudit.heartDisease(
                directory.get(), "cleveland", DEMO, broken, CANARIES, RUNS, 0, distinguisherRuns, SEED);
    }
}
