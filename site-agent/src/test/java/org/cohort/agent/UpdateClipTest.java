package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.cohort.privacy.clip.L2Clipping;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;

/** The agent bounds a site-level DP update itself, whatever its trainer returned. */
class UpdateClipTest {
    private static RoundTask task(String mode, double clip) {
        return RoundTask.newBuilder()
                .setKind(TaskKind.TRAIN)
                .setStudyId("st-1")
                .setRoundNumber(1)
                .setPrivacy(PrivacyPlan.newBuilder()
                        .setMode(org.cohort.protocol.PrivacyWords.mode(mode))
                        .setClipNorm(clip))
                .build();
    }

    @Test
    void clipsABuggyTrainersUpdateToTheStudysClipNormUnderSiteLevelDp() {
        float[] fromTrainer = new float[1000];
        java.util.Arrays.fill(fromTrainer, 161.25f); // norm ≈ 5099: the update the coordinator once took
        float[] sent = UpdateClip.apply(task("site", 1.0), fromTrainer);
        assertThat(L2Clipping.l2Norm(sent)).isLessThanOrEqualTo(1.0).isGreaterThan(0.999);
        assertThat(fromTrainer[0]).isEqualTo(161.25f); // the trainer's array is left alone
    }

    @Test
    void leavesOtherModesAndSmallUpdatesAsTheyAre() {
        float[] small = {0.1f, 0.2f};
        assertThat(UpdateClip.apply(task("site", 1.0), small)).containsExactly(0.1f, 0.2f);
        float[] big = {100f, 100f};
        assertThat(UpdateClip.apply(task("patient", 1.0), big)).isSameAs(big);
        assertThat(UpdateClip.apply(task("none", 1.0), big)).isSameAs(big);
        assertThat(UpdateClip.apply(task("site", 1.0), null)).isNull();
    }

    @Test
    void refusesToSendNonFiniteValuesOrUseAnUnusableClipNorm() {
        assertThatThrownBy(() -> UpdateClip.apply(task("site", 1.0), new float[] {Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpdateClip.apply(task("site", Double.POSITIVE_INFINITY), new float[] {1f}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static RoundTask secure(double maxUpdateNorm, String mode) {
        return task(mode, 1.0).toBuilder()
                .setSecagg(org.cohort.protocol.v1.SecAggPlan.newBuilder().setMaxUpdateNorm(maxUpdateNorm))
                .build();
    }

    @Test
    void clipsTheWholeUpdateToTheStudysMaxUpdateNormBeforeMaskingInAnyMode() {
        float[] big = {3f, 4f, 0f, 0f}; // norm 5
        float[] sent = UpdateClip.apply(secure(2.5, "patient"), big);
        assertThat(sent).containsExactly(new float[] {1.5f, 2f, 0f, 0f}, within(1e-5f));
        assertThat(big[0]).isEqualTo(3f);
        assertThat(UpdateClip.normBound(secure(2.5, "none"))).isEqualTo(2.5);
        // Under site-level DP both bounds hold: the smaller wins.
        assertThat(L2Clipping.l2Norm(UpdateClip.apply(secure(2.5, "site"), big)))
                .isCloseTo(1.0, within(1e-6));
        assertThat(UpdateClip.apply(secure(10, "none"), big)).containsExactly(3f, 4f, 0f, 0f);
    }

    @Test
    void noBoundWithoutSecureAggregationOrWithoutTheOptionAndAnUnusableOneIsRefused() {
        assertThat(UpdateClip.normBound(task("none", 1.0))).isNull();
        assertThat(UpdateClip.normBound(secure(0, "none"))).isNull();
        float[] big = {3f, 4f};
        assertThat(UpdateClip.apply(secure(0, "none"), big)).isSameAs(big);
        assertThatThrownBy(() -> UpdateClip.apply(secure(-1, "none"), big))
                .hasMessageContaining("maxUpdateNorm -1.0 is not a finite positive number");
        assertThatThrownBy(() -> UpdateClip.apply(secure(Double.NaN, "none"), big))
                .hasMessageContaining("not a finite positive number");
    }
}
