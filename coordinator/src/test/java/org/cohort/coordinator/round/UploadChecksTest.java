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
        return new RoundState("r1", "s", 2, 1, RoundKind.TRAIN, 5, NONCE, Set.of("a", "b"), Set.of(), Map.of(), 1, T0,
                T0.plusSeconds(60), phase, "", false);
    }

    private static UpdateManifest.Builder manifest() {
        return UpdateManifest.newBuilder().setSiteId("a").setRoundId("r1").setNonce(ByteString.copyFrom(NONCE))
                .setBaseModelVersion(5).setNumParameters(10).setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(new byte[32])).setExampleCount(3)
                .setMetrics(SiteMetrics.getDefaultInstance());
    }

    private static Reason reason(RoundState r, UpdateManifest m, String site) {
        return UploadChecks.check(r, m, site, 10).map(UploadRejection::reason).orElse(null);
    }

    @Test
    void acceptsAWellFormedUploadForTheCurrentRound() {
        assertThat(UploadChecks.check(round(RoundPhase.COLLECTING), manifest().build(), "a", 10)).isEmpty();
    }

    @Test
    void rejectsUploadFromUnselectedSite() {
        assertThat(reason(round(RoundPhase.COLLECTING), manifest().build(), "c")).isEqualTo(Reason.NOT_SELECTED);
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
        assertThat(reason(r, manifest().setEncoding(TensorEncoding.UINT32_RING_LE).build(), "a"))
                .isEqualTo(Reason.WRONG_ENCODING);
        assertThat(reason(r, manifest().setExampleCount(0).build(), "a")).isEqualTo(Reason.BAD_EXAMPLE_COUNT);
    }

    @Test
    void rejectsNonFiniteMetrics() {
        var m = manifest().setMetrics(SiteMetrics.newBuilder().setTrainLoss(Double.NaN)).build();
        assertThat(reason(round(RoundPhase.COLLECTING), m, "a")).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void rejectsSecondUploadOfASite() {
        var r = RoundStateMachine.onUploadAccepted(round(RoundPhase.COLLECTING), "a").state();
        assertThat(reason(r, manifest().build(), "a")).isEqualTo(Reason.ALREADY_REPORTED);
    }
}
