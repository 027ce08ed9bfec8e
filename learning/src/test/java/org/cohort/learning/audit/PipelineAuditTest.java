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
 * audit is too weak to mean anything.
 */
class PipelineAuditTest {

    static final PipelineAudit.Study DEMO = PipelineAudit.Study.heartDiseaseDemo();
    static final int CANARIES = 16;
    static final int RUNS = 4;
    static final long SEED = 1;

    @Test
    void theSitePipelineShowsNoViolationOnCleveland() throws IOException {
        PipelineAudit.Report report = audit(BrokenPipeline.NONE);

        report.lines().forEach(System.out::println);
        assertThat(report.neighbours().passes()).isTrue();
        assertThat(report.claimedEpsilon()).isBetween(0.9, 1.0);
        assertThat(report.canaries().outcome().canaries()).isEqualTo(CANARIES * RUNS);
        assertThat(report.canaries().epsilonLowerBound()).isLessThanOrEqualTo(report.claimedEpsilon());
        assertThat(report.passes()).isTrue();
        assertThat(report.verdictLine()).startsWith("empirical ε lower bound L (95%) vs claimed ε E: L = ")
                .contains("no violation");
    }

    @Test
    void theAuditSeesNoiseThatIsChargedButNotAdded() throws IOException {
        PipelineAudit.Report report = audit(BrokenPipeline.NOISE);

        report.lines().forEach(System.out::println);
        assertThat(report.claimedEpsilon()).as("the accountant's claim is unchanged").isBetween(0.9, 1.0);
        // Not every guess need be right: an included canary may be Poisson-sampled only a few times.
        assertThat(report.canaries().outcome().correct()).isGreaterThanOrEqualTo(CANARIES * RUNS - 4);
        assertThat(report.canaries().epsilonLowerBound()).isGreaterThan(2 * report.claimedEpsilon());
        assertThat(report.epsilonViolated()).isTrue();
        assertThat(report.verdictLine()).contains("VIOLATION");
    }

    @Test
    void theNeighbourAuditFailsADataDependentSplitOrScaling() throws IOException {
        for (BrokenPipeline broken : new BrokenPipeline[] {BrokenPipeline.SPLIT, BrokenPipeline.SCALING}) {
            PipelineAudit.Report report = audit(broken);

            report.lines().forEach(System.out::println);
            assertThat(report.neighbours().passes()).as(broken.name()).isFalse();
            assertThat(report.passes()).isFalse();
        }
    }

    private static PipelineAudit.Report audit(BrokenPipeline broken) throws IOException {
        Optional<Path> directory = HeartDisease.locateDataDirectory();
        assumeTrue(directory.isPresent(), "Heart Disease data not found (set cohort.heart.data)");
        return PipelineAudit.heartDisease(directory.get(), "cleveland", DEMO, broken, CANARIES, RUNS, 0, SEED);
    }
}
