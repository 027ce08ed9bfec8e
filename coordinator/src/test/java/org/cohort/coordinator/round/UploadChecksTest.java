package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.protocol.v1.SiteMetrics;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;

class UploadChecksTest {
    private static final byte[] NONCE = new byte[32];
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static {
        NONCE[0] = 7;
    }

    private static RoundState round(RoundPhase phase) {
        return round(2, RoundKind.TRAIN, Set.of("a", "b"), phase, Map.of("a", 3L, "b", 5L));
    }

    /** Attempt 1 of round {@code number} of study "s" on model version 5, opened at T0 for 60 s. */
    private static RoundState round(
            int number, RoundKind kind, Set<String> roster, RoundPhase phase, Map<String, Long> declared) {
        return new RoundState(
                "r1",
                "s",
                number,
                1,
                kind,
                5,
                NONCE,
                roster,
                Set.of(),
                Map.of(),
                1,
                T0,
                T0.plusSeconds(60),
                phase,
                "",
                false,
                declared,
                0,
                null);
    }

    private static UpdateManifest.Builder manifest() {
        return UpdateManifest.newBuilder()
                .setSiteId("a")
                .setRoundId("r1")
                .setNonce(ByteString.copyFrom(NONCE))
                .setBaseModelVersion(5)
                .setNumParameters(10)
                .setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                .setExampleCount(3)
                .setMetrics(SiteMetrics.getDefaultInstance());
    }

    private static Reason reason(RoundState r, UpdateManifest m, String site) {
        return UploadChecks.check(r, m, site, 10, 0.25)
                .map(UploadRejection::reason)
                .orElse(null);
    }

    private static final UploadChecks.HeldOutRule DP = new UploadChecks.HeldOutRule(true, 4.0, 2);

    private static RoundState evaluation() {
        return round(11, RoundKind.EVALUATE, Set.of("a", "b"), RoundPhase.COLLECTING, Map.of("a", 3L, "b", 5L));
    }

    private static UpdateManifest.Builder noisedEvaluation(org.cohort.protocol.NoisedConfusion release) {
        var metrics = release.into(
                SiteMetrics.newBuilder().setTestMetricsWithheld(true).setTrainLossWithheld(true));
        return manifest()
                .setNumParameters(0)
                .setEncoding(TensorEncoding.TENSOR_ENCODING_UNSPECIFIED)
                .setPayloadSha256(ByteString.copyFrom(release.sha256()))
                .setMetrics(metrics);
    }

    private static String dpMessage(RoundState r, UpdateManifest m) {
        return UploadChecks.check(r, m, "a", 10, 0.25, DP)
                .map(UploadRejection::message)
                .orElse(null);
    }

    @Test
    void underDpHeldOutMetricsInClearAreRefused() {
        var clear = manifest()
                .setMetrics(SiteMetrics.newBuilder()
                        .setTestExamples(70)
                        .setTestCorrect(55)
                        .setTestAccuracy(55 / 70.0)
                        .setTrainLossWithheld(true))
                .build();
        assertThat(dpMessage(round(RoundPhase.COLLECTING), clear)).contains("held-out metrics in clear");
        // Withheld but for one count: still refused.
        var leaky = manifest()
                .setMetrics(
                        SiteMetrics.newBuilder().setTestMetricsWithheld(true).setTestExamples(70))
                .build();
        assertThat(dpMessage(round(RoundPhase.COLLECTING), leaky)).contains("held-out metrics in clear");
        var withheld = manifest()
                .setMetrics(SiteMetrics.newBuilder().setTestMetricsWithheld(true))
                .build();
        assertThat(dpMessage(round(RoundPhase.COLLECTING), withheld)).isNull();
    }

    @Test
    void onlyTheFinalEvaluationMayCarryANoisedConfusionMatrixAtTheStudysNoiseNamedAsItsPayload() {
        var release = new org.cohort.protocol.NoisedConfusion(java.util.List.of(40L, 9L, -2L, 31L), 2, 4.0);
        assertThat(dpMessage(evaluation(), noisedEvaluation(release).build())).isNull();
        // In a training task, or at another noise, or under another digest: refused.
        var inTraining =
                manifest().setMetrics(noisedEvaluation(release).getMetrics()).build();
        assertThat(dpMessage(round(RoundPhase.COLLECTING), inTraining)).contains("release none");
        var lessNoise = new org.cohort.protocol.NoisedConfusion(release.counts(), 2, 0.5);
        assertThat(dpMessage(evaluation(), noisedEvaluation(lessNoise).build())).contains("σ 0.5", "terms set 4.0");
        var otherDigest = noisedEvaluation(release)
                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                .build();
        assertThat(dpMessage(evaluation(), otherDigest)).contains("payload digest");
        var malformed = noisedEvaluation(release)
                .setMetrics(noisedEvaluation(release).getMetrics().toBuilder().setConfusionClasses(3))
                .build();
        assertThat(dpMessage(evaluation(), malformed)).contains("malformed");
        assertThat(UploadChecks.check(
                        evaluation(),
                        noisedEvaluation(release).build(),
                        "a",
                        10,
                        0.25,
                        new UploadChecks.HeldOutRule(true, 0, 2)))
                .isPresent();
    }

    @Test
    void aHostileSiteCannotClaimThePooledFigureWithCountsBeyondItsDeclaredSizeOrAnotherShape() {
        // Site a declared 3 training rows (at most 3 held out): counts beyond 3 + 10σ are refused.
        var huge = new org.cohort.protocol.NoisedConfusion(
                java.util.List.of(1_000_000_000_000_000L, 0L, 0L, 1_000_000_000_000_000L), 2, 4.0);
        assertThat(UploadChecks.check(evaluation(), noisedEvaluation(huge).build(), "a", 10, 0.25, DP))
                .hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Reason.BAD_EXAMPLE_COUNT));
        var tooNegative = new org.cohort.protocol.NoisedConfusion(java.util.List.of(-41L, 0L, 0L, 1L), 2, 4.0);
        assertThat(dpMessage(evaluation(), noisedEvaluation(tooNegative).build()))
                .contains("outside [-40, 43]");
        var threeClasses = new org.cohort.protocol.NoisedConfusion(java.util.Collections.nCopies(9, 1L), 3, 4.0);
        assertThat(dpMessage(evaluation(), noisedEvaluation(threeClasses).build()))
                .contains("3 classes");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                        new org.cohort.protocol.NoisedConfusion(java.util.Collections.nCopies(65 * 65, 0L), 65, 4.0)))
                .hasMessageContaining("2 to 64 classes");
    }

    private static UpdateManifest.Builder withScores(UpdateManifest.Builder m, org.cohort.protocol.ScoreHistogram h) {
        var metrics = h.into(m.getMetrics().toBuilder());
        var b = m.setMetrics(metrics);
        return h.noised() ? b.setPayloadSha256(ByteString.copyFrom(h.sha256())) : b;
    }

    /** A study's histogram whose first bins of each class hold {@code counts} (class 0's, then class 1's). */
    private static org.cohort.protocol.ScoreHistogram scores(double noise, long... counts) {
        int given = counts.length / 2;
        int bins = org.cohort.protocol.ScoreHistogram.BINS;
        var all = new java.util.ArrayList<Long>(java.util.Collections.nCopies(2 * bins, 0L));
        for (int i = 0; i < given; i++) {
            all.set(i, counts[i]);
            all.set(bins + i, counts[given + i]);
        }
        return new org.cohort.protocol.ScoreHistogram(all, bins, noise);
    }

    @Test
    void underDpOnlyTheFinalEvaluationCarriesANoisedScoreHistogramAloneAtTheStudysNoise() {
        var release = scores(4.0, 1, -2, 0, 3);
        var evaluation =
                noisedEvaluation(new org.cohort.protocol.NoisedConfusion(java.util.List.of(1L, 1L, 1L, 1L), 2, 4.0));
        var alone = withScores(
                        evaluation
                                .clone()
                                .setMetrics(SiteMetrics.newBuilder()
                                        .setTestMetricsWithheld(true)
                                        .setTrainLossWithheld(true)),
                        release)
                .build();
        assertThat(dpMessage(evaluation(), alone)).isNull();
        // Beside a confusion matrix: two releases, refused.
        assertThat(dpMessage(
                        evaluation(), withScores(evaluation.clone(), release).build()))
                .contains("both", "one release, one charge");
        // In a training task, exact, at another noise, under another digest, out of range, in a multiclass study.
        var inTraining = withScores(
                        manifest().setMetrics(SiteMetrics.newBuilder().setTestMetricsWithheld(true)), release)
                .build();
        assertThat(dpMessage(round(RoundPhase.COLLECTING), inTraining)).contains("release none");
        assertThat(dpMessage(
                        evaluation(),
                        withScores(alone.toBuilder(), scores(0, 1, 2, 0, 3)).build()))
                .contains("release none");
        assertThat(dpMessage(
                        evaluation(),
                        withScores(alone.toBuilder(), scores(0.5, 1, 2, 0, 3)).build()))
                .contains("score histogram carries noise of σ 0.5");
        assertThat(dpMessage(
                        evaluation(),
                        alone.toBuilder()
                                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                                .build()))
                .contains("payload digest does not name its noised score histogram");
        assertThat(dpMessage(
                        evaluation(),
                        withScores(alone.toBuilder(), scores(4.0, 1, 2, -41, 3)).build()))
                .contains("noised score histogram has a count outside [-40, 43]");
        assertThat(UploadChecks.check(evaluation(), alone, "a", 10, 0.25, new UploadChecks.HeldOutRule(true, 4.0, 3)))
                .hasValueSatisfying(r -> assertThat(r.message()).contains("only a binary classification study"));
        var malformed = alone.toBuilder()
                .setMetrics(alone.getMetrics().toBuilder().setScoreBins(3))
                .build();
        assertThat(dpMessage(evaluation(), malformed)).contains("score histogram is malformed");
        var otherBinning = withScores(
                        alone.toBuilder(),
                        new org.cohort.protocol.ScoreHistogram(java.util.List.of(1L, 0L, 0L, 3L), 2, 4.0))
                .build();
        assertThat(dpMessage(evaluation(), otherBinning)).contains("has 4 counts", "2 classes x 20 bins");
    }

    @Test
    void inClearTheScoreHistogramIsExactAndCountsTheReportedRows() {
        var clear =
                SiteMetrics.newBuilder().setTestExamples(3).setTestCorrect(2).setTestAccuracy(2 / 3.0);
        assertThat(UploadChecks.check(
                        round(RoundPhase.COLLECTING),
                        withScores(manifest().setMetrics(clear), scores(0, 1, 0, 0, 2))
                                .build(),
                        "a",
                        10,
                        0.25))
                .isEmpty();
        assertThat(UploadChecks.check(
                        round(RoundPhase.COLLECTING),
                        withScores(manifest().setMetrics(clear), scores(0, 1, 0, 0, 1))
                                .build(),
                        "a",
                        10,
                        0.25))
                .hasValueSatisfying(r -> assertThat(r.message()).contains("counts 2 held-out rows where it reports 3"));
        assertThat(UploadChecks.check(
                        round(RoundPhase.COLLECTING),
                        withScores(manifest().setMetrics(clear), scores(4.0, 1, 0, 0, 2))
                                .build(),
                        "a",
                        10,
                        0.25))
                .hasValueSatisfying(r -> assertThat(r.message()).contains("travels exact"));
    }

    @Test
    void aNoisedMatrixYieldsClampedEstimatesNotExactCounts() {
        var release = new org.cohort.protocol.NoisedConfusion(java.util.List.of(40L, 9L, -2L, 31L), 2, 4.0);
        assertThat(release.examples()).isEqualTo(78);
        assertThat(release.correct()).isEqualTo(71);
        var negative = new org.cohort.protocol.NoisedConfusion(java.util.List.of(-5L, 1L, 1L, -4L), 2, 4.0);
        assertThat(negative.examples()).isZero();
        assertThat(negative.correct()).isZero();
    }

    @Test
    void acceptsAWellFormedUploadForTheCurrentRound() {
        assertThat(UploadChecks.check(round(RoundPhase.COLLECTING), manifest().build(), "a", 10, 0.25))
                .isEmpty();
    }

    @Test
    void rejectsUploadFromUnselectedSite() {
        assertThat(reason(round(RoundPhase.COLLECTING), manifest().build(), "c"))
                .isEqualTo(Reason.NOT_SELECTED);
    }

    @Test
    void rejectsUploadWithAnotherRoundsNonceAsReplay() {
        var m = manifest().setNonce(ByteString.copyFrom(new byte[32])).build();
        assertThat(reason(round(RoundPhase.COLLECTING), m, "a")).isEqualTo(Reason.REPLAYED_NONCE);
    }

    @Test
    void rejectsUploadForClosedRound() {
        assertThat(reason(round(RoundPhase.COMPLETED), manifest().build(), "a")).isEqualTo(Reason.ROUND_CLOSED);
    }

    @Test
    void rejectsUnknownRound() {
        assertThat(reason(null, manifest().build(), "a")).isEqualTo(Reason.UNKNOWN_ROUND);
    }

    @Test
    void rejectsWrongLengthWrongBaseAndWrongEncoding() {
        var r = round(RoundPhase.COLLECTING);
        assertThat(reason(r, manifest().setNumParameters(9).build(), "a")).isEqualTo(Reason.WRONG_LENGTH);
        assertThat(reason(r, manifest().setBaseModelVersion(4).build(), "a")).isEqualTo(Reason.WRONG_BASE_VERSION);
        assertThat(reason(
                        r, manifest().setEncoding(TensorEncoding.UINT32_RING_LE).build(), "a"))
                .isEqualTo(Reason.WRONG_ENCODING);
        assertThat(reason(r, manifest().setExampleCount(0).build(), "a")).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
    }

    @Test
    void aScaffoldUploadIsTheDeltaThenTheControlVariateChangeAndSaysSo() {
        var r = round(RoundPhase.COLLECTING);
        java.util.function.Function<UpdateManifest, java.util.Optional<UploadRejection>> scaffold =
                m -> UploadChecks.check(
                        r,
                        m,
                        "a",
                        10,
                        0.25,
                        UploadChecks.HeldOutRule.IN_CLEAR,
                        org.cohort.protocol.transfer.TransferEncoding.Float32.INSTANCE,
                        32,
                        2);
        assertThat(scaffold.apply(manifest()
                        .setNumParameters(20)
                        .setControlVariateValues(10)
                        .build()))
                .isEmpty();
        assertThat(scaffold.apply(manifest().build()))
                .get()
                .extracting(UploadRejection::reason)
                .isEqualTo(Reason.WRONG_LENGTH);
        assertThat(scaffold.apply(manifest().setNumParameters(20).build()))
                .get()
                .extracting(UploadRejection::message)
                .asString()
                .contains("states 0 control-variate values", "takes 10");
        assertThat(reason(r, manifest().setControlVariateValues(10).build(), "a"))
                .as("a fedavg round takes no control variates")
                .isEqualTo(Reason.WRONG_LENGTH);
    }

    @Test
    void aScaffoldUploadInACompactEncodingIsOneVectorOfTwiceTheModelsLength() {
        var r = round(RoundPhase.COLLECTING);
        var int8 = new org.cohort.protocol.transfer.TransferEncoding.Int8Blocks(64);
        var upload = manifest()
                .setNumParameters(20)
                .setControlVariateValues(10)
                .setEncoding(TensorEncoding.INT8_BLOCK_LE)
                .setBlockSize(64)
                .build();
        assertThat(UploadChecks.check(r, upload, "a", 10, 0.25, UploadChecks.HeldOutRule.IN_CLEAR, int8, 32, 2))
                .isEmpty();
        assertThat(UploadChecks.check(
                                r,
                                upload.toBuilder().setNumParameters(10).build(),
                                "a",
                                10,
                                0.25,
                                UploadChecks.HeldOutRule.IN_CLEAR,
                                int8,
                                32,
                                2)
                        .orElseThrow()
                        .reason())
                .as("the delta alone, without its control variate's change")
                .isEqualTo(Reason.WRONG_LENGTH);
    }

    @Test
    void acceptsOnlyTheStudysTransferEncodingAndBlockSize() {
        var r = round(RoundPhase.COLLECTING);
        var int8 = new org.cohort.protocol.transfer.TransferEncoding.Int8Blocks(64);
        java.util.function.Function<UpdateManifest, UploadRejection> check =
                m -> UploadChecks.check(r, m, "a", 10, 0.25, UploadChecks.HeldOutRule.IN_CLEAR, int8, 32)
                        .orElse(null);
        assertThat(check.apply(manifest()
                        .setEncoding(TensorEncoding.INT8_BLOCK_LE)
                        .setBlockSize(64)
                        .build()))
                .isNull();
        var otherBlocks = check.apply(manifest()
                .setEncoding(TensorEncoding.INT8_BLOCK_LE)
                .setBlockSize(128)
                .build());
        assertThat(otherBlocks.reason()).isEqualTo(Reason.WRONG_ENCODING);
        assertThat(otherBlocks.message())
                .contains("INT8_BLOCK_LE with blocks of 128")
                .contains("send INT8_BLOCK_LE with blocks of 64 (the study's transfer encoding)");
        assertThat(check.apply(manifest().build()).reason())
                .as("float32 in an int8 study")
                .isEqualTo(Reason.WRONG_ENCODING);
        assertThat(reason(r, manifest().setEncoding(TensorEncoding.FLOAT16_LE).build(), "a"))
                .as("float16 in a float32 study")
                .isEqualTo(Reason.WRONG_ENCODING);
    }

    @Test
    void aSecureRoundTakesOnlyItsRingsWidth() {
        var secure = round(RoundPhase.COLLECTING).toBuilder().secure(true).build();
        var f32 = org.cohort.protocol.transfer.TransferEncoding.Float32.INSTANCE;
        var narrow = manifest().setEncoding(TensorEncoding.UINT16_RING_LE).build();
        var wide = manifest().setEncoding(TensorEncoding.UINT32_RING_LE).build();
        assertThat(UploadChecks.check(secure, narrow, "a", 10, 0.25, UploadChecks.HeldOutRule.IN_CLEAR, f32, 16))
                .isEmpty();
        assertThat(UploadChecks.check(secure, wide, "a", 10, 0.25, UploadChecks.HeldOutRule.IN_CLEAR, f32, 16)
                        .orElseThrow()
                        .message())
                .contains("send UINT16_RING_LE (masked input of secure aggregation)");
        assertThat(UploadChecks.check(secure, narrow, "a", 10, 0.25, UploadChecks.HeldOutRule.IN_CLEAR, f32, 32)
                        .orElseThrow()
                        .reason())
                .isEqualTo(Reason.WRONG_ENCODING);
    }

    @Test
    void rejectsNonFiniteMetrics() {
        var m = manifest()
                .setMetrics(SiteMetrics.newBuilder().setTrainLoss(Double.NaN))
                .build();
        assertThat(reason(round(RoundPhase.COLLECTING), m, "a")).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void rejectsSecondUploadOfASite() {
        var r = RoundStateMachine.onUploadAccepted(round(RoundPhase.COLLECTING), "a")
                .state();
        assertThat(reason(r, manifest().build(), "a")).isEqualTo(Reason.ALREADY_REPORTED);
    }

    private static String message(RoundState r, UpdateManifest m, String site) {
        return UploadChecks.check(r, m, site, 10, 0.25)
                .map(UploadRejection::message)
                .orElse(null);
    }

    @Test
    void rejectsAWeightOtherThanTheTrainingSizeTheSiteDeclared() {
        var r = round(RoundPhase.COLLECTING); // a declared 3, b declared 5
        for (long claimed : new long[] {Long.MAX_VALUE, 1_000_000_000_000_000L, 4, 2, 0, -1}) {
            var m = manifest().setExampleCount(claimed).build();
            assertThat(reason(r, m, "a")).as("example_count %d", claimed).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
            assertThat(message(r, m, "a"))
                    .contains("site a declared 3 training examples")
                    .contains("example_count " + claimed);
        }
        assertThat(reason(r, manifest().setSiteId("b").setExampleCount(5).build(), "b"))
                .isNull();
    }

    @Test
    void rejectsATrainingUpdateFromASiteThatDeclaredNoSize() {
        var r = round(2, RoundKind.TRAIN, Set.of("a", "b"), RoundPhase.COLLECTING, Map.of("b", 5L));
        assertThat(message(r, manifest().build(), "a")).contains("site a declared no training size");
    }

    @Test
    void boundsEvaluationCountsByTheDeclaredTrainingSize() {
        var r = round(RoundPhase.COLLECTING); // a declared 3 training examples; test fraction 0.25 allows 3
        assertThat(UploadChecks.maxTestExamples(3, 0.25)).isEqualTo(3);
        assertThat(UploadChecks.maxTestExamples(300, 0.5)).isEqualTo(600);
        assertThat(UploadChecks.maxTestExamples(1_000_000_000_000L, 0.999999999))
                .isPositive();
        var ok = manifest()
                .setMetrics(SiteMetrics.newBuilder()
                        .setTestExamples(3)
                        .setTestCorrect(2)
                        .setTestAccuracy(2 / 3.0))
                .build();
        assertThat(reason(r, ok, "a")).isNull();
        // A self-reported count that would zero the pooled accuracy.
        var huge = manifest()
                .setMetrics(SiteMetrics.newBuilder().setTestExamples(1_000_000_000_000L))
                .build();
        assertThat(reason(r, huge, "a")).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
        assertThat(message(r, huge, "a"))
                .contains("site a reports 1000000000000 held-out examples")
                .contains("more than the 3");
        var moreCorrect = manifest()
                .setMetrics(SiteMetrics.newBuilder().setTestExamples(2).setTestCorrect(3))
                .build();
        assertThat(reason(r, moreCorrect, "a")).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
        var negative = manifest()
                .setMetrics(SiteMetrics.newBuilder().setTestExamples(-5).setTestCorrect(-5))
                .build();
        assertThat(reason(r, negative, "a")).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
        var badAccuracy = manifest()
                .setMetrics(SiteMetrics.newBuilder().setTestAccuracy(Double.NaN))
                .build();
        assertThat(reason(r, badAccuracy, "a")).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void boundsEvaluationCountsInEvaluationRoundsToo() {
        var r = round(3, RoundKind.EVALUATE, Set.of("a"), RoundPhase.COLLECTING, Map.of("a", 100L));
        var m = manifest()
                .setNumParameters(0)
                .setExampleCount(0)
                .setMetrics(SiteMetrics.newBuilder().setTestExamples(101))
                .build();
        assertThat(reason(r, m, "a")).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
        assertThat(reason(
                        r,
                        m.toBuilder()
                                .setMetrics(SiteMetrics.newBuilder().setTestExamples(100))
                                .build(),
                        "a"))
                .isNull();
    }
}
