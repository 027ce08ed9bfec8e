package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteLedgerTest {
    @TempDir
    Path dir;

    private static UpdateManifest manifest(String study, String roundId, int round) {
        return UpdateManifest.newBuilder()
                .setStudyId(study)
                .setRoundId(roundId)
                .setRoundNumber(round)
                .setNumParameters(10)
                .setExampleCount(300)
                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                .build();
    }

    private static PrivacyCharge charge() {
        return new PrivacyCharge(Unit.PATIENT, 0.1, 1.2, 50);
    }

    @Test
    void recordsAndReadsBackEachSendWithItsPrivacyCharge() {
        var ledger = new SiteLedger(dir);
        ledger.recordSent(manifest("st-a", "st-a-r1", 1), "update", charge(), 0.4, 1e-5);
        ledger.recordSent(manifest("st-a", "st-a-r2", 2), "evaluation", null, null, null);
        ledger.recordSent(manifest("st-b", "st-b-r1", 1), "update", charge(), 0.4, 1e-5);
        assertThat(ledger.spent("st-a", Unit.PATIENT)).containsExactly(new PrivacyEvent.SampledGaussian(0.1, 1.2, 50));
        assertThat(ledger.sends("st-a")).hasSize(1);
        assertThat(ledger.lines()).hasSize(3);
    }

    @Test
    void anUpdateTheAgentRefusedIsRecordedWithItsReasonAndChargesNothing() throws Exception {
        var ledger = new SiteLedger(dir);
        var task = org.cohort.protocol.v1.RoundTask.newBuilder()
                .setStudyId("st-a")
                .setRoundId("st-a-r3")
                .setRoundNumber(3)
                .setModelVersion(2)
                .build();
        ledger.recordRefused(task, "TRAINER_REPORT_REFUSED", "the trainer reports noise multiplier σ = 0.5, below");
        var line = ledger.lines().getFirst();
        assertThat(line.kind()).isEqualTo("refused");
        assertThat(line.reason()).startsWith("TRAINER_REPORT_REFUSED: the trainer reports noise multiplier σ = 0.5");
        assertThat(line.baseVersion()).isEqualTo(2);
        assertThat(ledger.spent("st-a", Unit.PATIENT)).isEmpty();
        assertThat(ledger.sends("st-a")).isEmpty();
        assertThat(Files.readString(ledger.file())).contains("\"kind\":\"refused\"", "\"reason\":");
    }

    @Test
    void aQuoteInARoundIdCannotMoveAnEntryToAnotherStudy() throws Exception {
        var ledger = new SiteLedger(dir);
        String hostile = "r1\",\"study\":\"st-victim";
        assertThatThrownBy(() -> ledger.recordSent(manifest("st-a", hostile, 1), "update", charge(), 0.4, 1e-5))
                .hasMessageContaining("round id");
        assertThat(ledger.spent("st-victim", Unit.PATIENT)).isEmpty();
        // Even a line written by hand with an escaped quote stays in its own study.
        Files.writeString(
                ledger.file(),
                "{\"study\":\"st-a\",\"round\":1,\"roundId\":\"r1\\\",\\\"study\\\":\\\"st-victim\","
                        + "\"baseVersion\":0,\"values\":10,\"examples\":300,\"testExamples\":0,\"unit\":\"patient\",\"samplingRate\":0.1,\"noiseMultiplier\":1.2,\"steps\":50}\n");
        assertThat(ledger.spent("st-victim", Unit.PATIENT)).isEmpty();
        assertThat(ledger.spent("st-a", Unit.PATIENT)).hasSize(1);
    }

    @Test
    void aMalformedLineIsAnErrorThatNamesTheLineAndSaysNotToEditTheLedger() throws Exception {
        var ledger = new SiteLedger(dir);
        ledger.recordSent(manifest("st-a", "st-a-r1", 1), "update", charge(), 0.4, 1e-5);
        Files.writeString(
                ledger.file(),
                "{\"study\":\"st-a\",\"unit\":\"patient\",\"round\":2}\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> ledger.spent("st-a", Unit.PATIENT))
                .hasMessageContaining("malformed line 2")
                .hasMessageContaining("restore it from backup");
    }

    @Test
    void aMaskedInputNamesTheReleaseOfTheUpdateItCarriedWithoutCountingTwice() {
        var ledger = new SiteLedger(dir);
        ledger.recordSent(manifest("st-a", "st-a-r1", 1), "update", charge(), 0.4, 1e-5);
        var masked = manifest("st-a", "st-a-r1", 1).toBuilder()
                .setPayloadSha256(ByteString.copyFrom(new byte[] {
                    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                    28, 29, 30, 31, 32
                }))
                .build();
        ledger.recordMasked(masked);
        ledger.recordSent(manifest("st-a", "st-a-r2", 2), "update", charge(), 0.6, 1e-5); // a plain upload

        assertThat(ledger.spent("st-a", Unit.PATIENT)).hasSize(2);
        assertThat(ledger.sends("st-a"))
                .extracting(LedgerCrossCheck.LocalSend::maskedSha256)
                .containsExactly("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "");
    }
}
