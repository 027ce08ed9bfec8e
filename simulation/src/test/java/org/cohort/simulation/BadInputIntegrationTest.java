package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Hostile and broken input over real gRPC/mTLS, while two honest hospitals keep training:
 * each bad upload is refused with a clear error, and every round still completes.
 */
class BadInputIntegrationTest {

    private static Status.Code code(Throwable t) {
        return Status.fromThrowable(t).getCode();
    }

    @Test
    void badUploadsAreRejectedClearlyWhileTheRoundsComplete(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(5, 2, 120);
            fed.startAgents(studyId, 2);
            JsonNode rogueToken = fed.token("rogue");
            try (var rogue = fed.enrollRogue(rogueToken, "rogue");
                    var bystander = fed.enrollRogue("bystander")) {
                // A one-time token cannot be used twice.
                assertThatThrownBy(() -> fed.enrollRogue(rogueToken, "again"))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                        .hasMessageContaining("already");

                rogue.connect(List.of(studyId));
                bystander.connect(List.of()); // accepts no study: never selected
                fed.awaitConnected(4);
                fed.api.studies().start(studyId);

                // Round 1: an update of the wrong length.
                RoundTask t1 = rogue.nextTask();
                long n = rogue.modelLength(t1);
                float[] shortUpdate = new float[(int) n - 1];
                assertThatThrownBy(() -> rogue.upload(rogue.manifest(t1, shortUpdate), shortUpdate))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                        .hasMessageContaining("values but the model has " + n);
                // ... and an upload from a site that was not selected for the round.
                float[] zeros = new float[(int) n];
                UpdateManifest foreign = rogue.manifest(t1, zeros).toBuilder()
                        .setSiteId(bystander.siteId)
                        .build();
                assertThatThrownBy(() -> bystander.upload(foreign, zeros))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                        .hasMessageContaining("was not selected");

                // Round 2: an update containing NaN and Inf.
                RoundTask t2 = rogue.nextTask();
                float[] poisoned = new float[(int) n];
                poisoned[3] = Float.NaN;
                poisoned[5] = Float.POSITIVE_INFINITY;
                assertThatThrownBy(() -> rogue.upload(rogue.manifest(t2, poisoned), poisoned))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                        .hasMessageContaining("index 3")
                        .hasMessageContaining("NaN");

                // Round 3: a tampered update (signature over different bytes).
                RoundTask t3 = rogue.nextTask();
                byte[] signed = rogue.manifest(t3, zeros).toByteArray();
                byte[] signature = rogue.keys.updateSigner().sign(signed);
                byte[] tampered = rogue.manifest(t3, zeros).toBuilder()
                        .setExampleCount(1_000_000)
                        .build()
                        .toByteArray();
                assertThatThrownBy(() -> rogue.send(tampered, signature, zeros))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED))
                        .hasMessageContaining("signature does not verify");

                // Round 4: a valid (zero) update is accepted; sending it again is refused.
                RoundTask t4 = rogue.nextTask();
                UpdateManifest valid = rogue.manifest(t4, zeros);
                byte[] validBytes = valid.toByteArray();
                byte[] validSignature = rogue.keys.updateSigner().sign(validBytes);
                assertThat(rogue.send(validBytes, validSignature, zeros).getAccepted())
                        .isTrue();
                assertThatThrownBy(() -> rogue.send(validBytes, validSignature, zeros))
                        .satisfies(e ->
                                assertThat(code(e)).isIn(Status.Code.ALREADY_EXISTS, Status.Code.FAILED_PRECONDITION));

                // Round 5: replays — the round-4 upload again, and round 5 with round 4's nonce.
                RoundTask t5 = rogue.nextTask();
                assertThatThrownBy(() -> rogue.send(validBytes, validSignature, zeros))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION))
                        .hasMessageContaining("replay");
                UpdateManifest oldNonce = rogue.manifest(t5, zeros).toBuilder()
                        .setNonce(t4.getNonce())
                        .build();
                assertThatThrownBy(() -> rogue.upload(oldNonce, zeros))
                        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION))
                        .hasMessageContaining("replayed upload");
                rogue.refuse(t5, "done misbehaving");
                rogue.refuse(rogue.nextTask(), "no evaluation from the rogue site"); // the final evaluation

                JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(4));
                assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
                JsonNode rounds = fed.api.studies().rounds(studyId);
                for (JsonNode r : rounds) {
                    assertThat(r.get("status").asString()).isEqualTo("COMPLETED");
                    if (r.get("kind").asString().equals("TRAIN")
                            && r.get("roundNumber").asInt() != 4) {
                        assertThat(r.get("dropped").has(rogue.siteId))
                                .as(r.toString())
                                .isTrue();
                    }
                }
                assertThat(rounds.get(0).get("dropped").get(rogue.siteId).asString())
                        .contains("values but the model");

                // A client without a certificate gets nothing but enrollment.
                var anonymous = fed.anonymousChannel();
                try {
                    assertThatThrownBy(() -> ModelsGrpc.newBlockingStub(anonymous)
                                    .download(ModelRequest.newBuilder()
                                            .setStudyId(studyId)
                                            .setVersion(1)
                                            .build())
                                    .hasNext())
                            .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED))
                            .hasMessageContaining("client certificate");
                } finally {
                    anonymous.shutdownNow();
                }

                // A revoked site is refused on its next call, and at the TLS handshake of new connections.
                fed.api.sites().revoke(bystander.siteId, "test revocation");
                assertThatThrownBy(() -> ModelsGrpc.newBlockingStub(bystander.channel)
                                .download(ModelRequest.newBuilder()
                                        .setStudyId(studyId)
                                        .setVersion(1)
                                        .build())
                                .hasNext())
                        .satisfies(
                                e -> assertThat(code(e)).isIn(Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE));
            }
        }
    }

    @SuppressWarnings("unused")
    private static String show(float[] v) {
        return Arrays.toString(v);
    }
}
