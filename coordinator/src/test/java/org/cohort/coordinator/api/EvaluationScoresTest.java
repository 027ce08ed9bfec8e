package org.cohort.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.cohort.coordinator.round.RoundRepository.EvaluationRow;
import org.cohort.protocol.ScoreHistogram;
import org.junit.jupiter.api.Test;

/** The evaluation the REST API reports: a binary study's AUROC, AUPRC and calibration error, per site and pooled. */
class EvaluationScoresTest {

    private static ScoreHistogram histogram(double noise, Long... counts) {
        return new ScoreHistogram(List.of(counts), counts.length / 2, noise);
    }

    @Test
    void pooledFiguresAreThoseOfTheSummedHistogramsNotAnAverageOfTheSites() {
        // Site a: negatives in bin 0, positives in bin 1 (perfect). Site b: negatives in bin 1, positives in bin 0
        // (reversed).
        var a = histogram(0, 3L, 0L, 0L, 1L);
        var b = histogram(0, 0L, 1L, 1L, 0L);
        var evaluation = StudiesController.Evaluation.of(
                4,
                List.of(new EvaluationRow(4, "a", 4, 4, 0.1, null, a), new EvaluationRow(4, "b", 2, 0, 0.9, null, b)));

        assertThat(evaluation.scores().bySite().get("a").auroc()).isEqualTo(1.0);
        assertThat(evaluation.scores().bySite().get("b").auroc()).isEqualTo(0.0);
        // Pooled: negatives 3 in bin 0, 1 in bin 1; positives 1 in bin 0, 1 in bin 1. Pairs 8: the bin-1
        // positive beats 3 and ties 1 (3.5), the bin-0 positive ties 3 (1.5): 5 / 8, not the sites' mean 0.5.
        assertThat(evaluation.scores().pooled().auroc()).isCloseTo(5.0 / 8, within(1e-12));
        assertThat(evaluation.scores().pooled().examples()).isEqualTo(6);
        assertThat(evaluation.pooledAccuracy()).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(evaluation.release()).isEqualTo("in clear");
    }

    @Test
    void underDpTheFiguresComeFromNoisedHistogramsAndUndefinedOnesAreNull() {
        var onlyNegatives = histogram(4.0, 5L, 2L, -1L, 0L);
        var evaluation =
                StudiesController.Evaluation.of(9, List.of(new EvaluationRow(9, "a", 7, 5, 0, 4.0, onlyNegatives)));

        assertThat(evaluation.scores().bySite().get("a").auroc()).isNull();
        assertThat(evaluation.scores().bySite().get("a").auprc()).isNull();
        assertThat(evaluation.scores().bySite().get("a").calibrationError()).isNotNull();
        assertThat(evaluation.release()).startsWith("from score histograms with discrete Gaussian noise of σ 4");
    }

    @Test
    void aStudyWithoutHistogramsReportsNoScores() {
        var evaluation = StudiesController.Evaluation.of(1, List.of(new EvaluationRow(1, "a", 10, 7, 0.5, null)));
        assertThat(evaluation.scores()).isNull();
    }
}
