package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.cohort.protocol.ErrorSums;
import org.cohort.protocol.v1.SiteMetrics;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;

/** What a regression study's uploads may say of their held-out error sums, in clear and under DP. */
class ErrorSumsChecksTest {
    private static final byte[] NONCE = {7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** Site a declared 3 training rows: at test fraction 0.25 it may hold out at most 3. */
    private static final double FRACTION = 0.25;

    private static final UploadChecks.HeldOutRule CLEAR = new UploadChecks.HeldOutRule(false, 0, 1, false, true);
    private static final UploadChecks.HeldOutRule DP = new UploadChecks.HeldOutRule(true, 4.0, 1, false, true);
    private static final double NOISE = 4.0 * ErrorSums.SENSITIVITY;

    private static RoundState round(RoundKind kind) {
        return new RoundState(
                "r1",
                "s",
                kind == RoundKind.TRAIN ? 2 : 11,
                1,
                kind,
                5,
                NONCE,
                Set.of("a", "b"),
                Set.of(),
                Map.of(),
                1,
                T0,
                T0.plusSeconds(60),
                RoundPhase.COLLECTING,
                "",
                false,
                Map.of("a", 3L, "b", 5L),
                0,
                null);
    }

    /** A training upload whose metrics are {@code metrics}. */
    private static UpdateManifest training(SiteMetrics.Builder metrics) {
        return UpdateManifest.newBuilder()
                .setSiteId("a")
                .setRoundId("r1")
                .setNonce(ByteString.copyFrom(NONCE))
                .setBaseModelVersion(5)
                .setNumParameters(10)
                .setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                .setExampleCount(3)
                .setMetrics(metrics)
                .build();
    }

    /** A final evaluation under DP releasing {@code sums}, named as its payload. */
    private static UpdateManifest evaluation(ErrorSums sums) {
        return UpdateManifest.newBuilder()
                .setSiteId("a")
                .setRoundId("r1")
                .setNonce(ByteString.copyFrom(NONCE))
                .setBaseModelVersion(5)
                .setExampleCount(3)
                .setPayloadSha256(ByteString.copyFrom(sums.sha256()))
                .setMetrics(sums.into(
                        SiteMetrics.newBuilder().setTestMetricsWithheld(true).setTrainLossWithheld(true)))
                .build();
    }

    private static String message(RoundState round, UpdateManifest m, UploadChecks.HeldOutRule rule) {
        return UploadChecks.check(round, m, "a", 10, FRACTION, rule)
                .map(UploadRejection::message)
                .orElse(null);
    }

    private static SiteMetrics.Builder clear(long rows, ErrorSums sums) {
        return sums.into(SiteMetrics.newBuilder().setTestExamples(rows).setTestLoss(0.02));
    }

    @Test
    void inClearExactSumsOfTheReportedRowsPass() {
        var sums = new ErrorSums(3, 400_000, 90_000, 0);
        assertThat(message(round(RoundKind.TRAIN), training(clear(3, sums)), CLEAR))
                .isNull();
        assertThat(message(round(RoundKind.TRAIN), training(clear(2, sums)), CLEAR))
                .contains("error sums count 3 held-out rows where it reports 2 test examples");
        assertThat(message(round(RoundKind.TRAIN), training(clear(3, new ErrorSums(3, 400_000, 90_000, 1.0))), CLEAR))
                .contains("noised error sums in a study without differential privacy");
    }

    @Test
    void inClearARegressionSiteCannotReportRowsWithoutSumsOrCorrectRows() {
        // Without sums its rows would pool with no error and hide every site's MAE and RMSE.
        var noSums = SiteMetrics.newBuilder().setTestExamples(50).setTestCorrect(50);
        assertThat(message(round(RoundKind.TRAIN), training(noSums), CLEAR)).contains("correct held-out rows");
        assertThat(message(
                        round(RoundKind.TRAIN),
                        training(SiteMetrics.newBuilder().setTestExamples(50)),
                        CLEAR))
                .contains("50 held-out rows in a regression study without their error sums");
        var sums = new ErrorSums(3, 400_000, 90_000, 0);
        assertThat(message(round(RoundKind.TRAIN), training(clear(3, sums).setTestCorrect(1)), CLEAR))
                .contains("correct held-out rows");
        // A site that evaluated nothing (no held-out rows) need not send sums.
        assertThat(message(round(RoundKind.TRAIN), training(SiteMetrics.newBuilder()), CLEAR))
                .isNull();
    }

    @Test
    void malformedOrMisplacedSumsAreRefused() {
        var four = SiteMetrics.newBuilder().setTestExamples(3).addAllErrorSums(java.util.List.of(3L, 1L, 1L, 1L));
        assertThat(message(round(RoundKind.TRAIN), training(four), CLEAR)).contains("error sums are malformed");
        // More error than the rows can hold (each at most the range, Q in units of 1/Q).
        var impossible =
                SiteMetrics.newBuilder().setTestExamples(3).addAllErrorSums(java.util.List.of(3L, 4_000_000L, 0L));
        assertThat(message(round(RoundKind.TRAIN), training(impossible), CLEAR)).contains("malformed", "count·1000000");
        // Error sums in a classification study; a histogram in a regression study.
        var sums = new ErrorSums(3, 400_000, 90_000, 0);
        assertThat(message(round(RoundKind.TRAIN), training(clear(3, sums)), UploadChecks.HeldOutRule.IN_CLEAR))
                .contains("only a regression study's evaluation carries");
        var histogram = SiteMetrics.newBuilder()
                .setTestExamples(3)
                .addAllScoreHistogram(java.util.List.of(1L, 0L, 0L, 2L))
                .setScoreBins(2);
        assertThat(message(round(RoundKind.TRAIN), training(histogram), CLEAR))
                .contains("whose evaluation is its error sums alone");
    }

    @Test
    void underDpOnlyTheFinalEvaluationCarriesNoisedSumsAtTheStudysNoise() {
        var release = new ErrorSums(2, -1_300_000, 5_100_000, NOISE);
        assertThat(message(round(RoundKind.EVALUATE), evaluation(release), DP)).isNull();
        // In a training task, exact, at another noise, under another digest, beyond the slack.
        var inTraining = training(release.into(SiteMetrics.newBuilder().setTestMetricsWithheld(true)));
        assertThat(message(round(RoundKind.TRAIN), inTraining, DP)).contains("release none");
        assertThat(message(round(RoundKind.EVALUATE), evaluation(new ErrorSums(2, 3, 4, 0)), DP))
                .contains("release none");
        assertThat(message(round(RoundKind.EVALUATE), evaluation(new ErrorSums(2, 3, 4, 4.0)), DP))
                .contains("noise of σ 4.0 where the study's terms set", "√3 times");
        var renamed = evaluation(release).toBuilder()
                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                .build();
        assertThat(message(round(RoundKind.EVALUATE), renamed, DP)).contains("does not name its noised error sums");
        // Slack 10·4√3 ≈ 69.3 around [0, 3] rows, and around [0, 3·Q] on each sum.
        assertThat(message(round(RoundKind.EVALUATE), evaluation(new ErrorSums(-70, 0, 0, NOISE)), DP))
                .contains("beyond 10.0 standard deviations");
        assertThat(message(round(RoundKind.EVALUATE), evaluation(new ErrorSums(2, 73_000_000, 0, NOISE)), DP))
                .contains("beyond 10.0 standard deviations");
        assertThat(message(round(RoundKind.EVALUATE), evaluation(new ErrorSums(2, 0, 72_000_000, NOISE)), DP))
                .isNull();
    }

    @Test
    void aHistogramHasTheStudysDeclaredBins() {
        var four = new UploadChecks.HeldOutRule(false, 0, 2, false, false, 4);
        var eight = SiteMetrics.newBuilder()
                .setTestExamples(3)
                .addAllScoreHistogram(java.util.List.of(1L, 0L, 0L, 0L, 0L, 0L, 0L, 2L))
                .setScoreBins(4);
        assertThat(message(round(RoundKind.TRAIN), training(eight), four)).isNull();
        var twenty = new UploadChecks.HeldOutRule(false, 0, 2, false, false, 20);
        assertThat(message(round(RoundKind.TRAIN), training(eight), twenty))
                .contains("has 8 counts; this binary study's has 40 (2 classes x 20 bins)");
    }
}
