package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * An upload that breaks off mid-stream is resumed, not restarted: the real coordinator keeps
 * the verified prefix, says how much it holds, tells a second stream to wait while the first
 * is still being received, refuses a resume at any other offset or of other values without
 * dropping the site, and accepts the rest; the round then completes with the resumed update.
 */
class UploadResumeIntegrationTest {

    @Test
    void aBrokenUploadIsResumedFromWhatTheCoordinatorHolds(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(1, 3, 120);
            fed.startAgents(studyId, 2);
            try (var site = fed.enrollRogue("resuming")) {
                site.connect(List.of(studyId));
                fed.awaitConnected(3);
                fed.api.studies().start(studyId);

                RoundTask task = site.nextTask();
                int n = (int) site.modelLength(task);
                int half = n / 2;
                float[] update = new float[n];
                for (int i = 0; i < n; i++) {
                    update[i] = (i % 7 - 3) * 1e-3f;
                }
                UpdateManifest manifest = site.manifest(task, update);

                // Nothing held yet; then the first half arrives on a stream that stays open.
                assertThat(site.progress(manifest).getValuesReceived()).isZero();
                var first = site.startPart(manifest, 0, update, 0, half);
                for (int i = 0; i < 1500 && site.progress(manifest).getValuesReceived() < half; i++) {
                    Thread.sleep(20);
                }
                assertThat(site.progress(manifest).getStillReceiving()).isTrue();
                // While the coordinator still receives that stream, a second one is told to wait.
                assertThatThrownBy(() -> site.sendPart(manifest, half, update, half, n, false))
                        .satisfies(e ->
                                assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
                        .hasMessageContaining("still receiving");
                // The connection is lost: the coordinator keeps the half it verified.
                first.breakOff();
                awaitProgress(site, manifest, half);
                // Other values under the same round: nothing to resume.
                UpdateManifest other = site.manifest(task, new float[n]);
                assertThat(site.progress(other).getValuesReceived()).isZero();

                // A resume at the wrong offset is refused clearly and does not drop the site.
                assertThatThrownBy(() -> site.sendPart(manifest, half - 1, update, half - 1, n, false))
                        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                                .isEqualTo(Status.Code.FAILED_PRECONDITION))
                        .hasMessageContaining("holds " + half + " values");
                assertThat(site.progress(manifest).getValuesReceived()).isEqualTo(half);

                // The rest, from where the coordinator stopped: the whole update is accepted.
                var receipt = site.sendPart(manifest, half, update, half, n, false);
                assertThat(receipt.getAccepted()).as(receipt.getMessage()).isTrue();
                assertThat(site.progress(manifest).getValuesReceived()).isZero();
                site.refuse(site.nextTask(), "no evaluation from this test site"); // the final evaluation

                JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(3));
                assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
                JsonNode round = fed.api.studies().rounds(studyId).get(0);
                assertThat(round.get("reported").toString()).contains(site.siteId);
                assertThat(round.get("dropped").has(site.siteId))
                        .as(round.toString())
                        .isFalse();
            }
        }
    }

    private static void awaitProgress(RogueSite site, UpdateManifest manifest, long expected)
            throws InterruptedException {
        // The coordinator learns of the lost connection asynchronously: until then it is still receiving.
        for (int i = 0; i < 1500 && site.progress(manifest).getStillReceiving(); i++) {
            Thread.sleep(20);
        }
        var progress = site.progress(manifest);
        assertThat(progress.getStillReceiving()).isFalse();
        assertThat(progress.getValuesReceived()).isEqualTo(expected);
    }
}
