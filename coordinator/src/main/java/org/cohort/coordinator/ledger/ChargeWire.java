package org.cohort.coordinator.ledger;

import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.ChargeStatement;
import org.cohort.protocol.v1.LedgerEntry;
import org.cohort.protocol.v1.PrivacyUnit;

/**
 * A ledger charge as sites see it: a sampled Gaussian composed {@code steps} times (a plain
 * Gaussian is q = 1), the unit as the wire enum. One place, so that the rows an
 * agent cross-checks and the statements the coordinator signs can never be written differently.
 */
public final class ChargeWire {

    private ChargeWire() {}

    /** A ledger row as the agent's cross-check receives it. */
    public static LedgerEntry entry(LedgerCharge c) {
        var b = LedgerEntry.newBuilder()
                .setRoundNumber(c.roundNumber())
                .setUnit(unit(c.unit()))
                .setRoundId(c.roundId())
                .setAttempt(c.attempt())
                .setPayloadSha256(c.payloadSha256());
        switch (c.event()) {
            case PrivacyEvent.SampledGaussian g ->
                b.setSamplingRate(g.samplingRate())
                        .setNoiseMultiplier(g.noiseMultiplier())
                        .setSteps(g.steps());
            case PrivacyEvent.Gaussian g ->
                b.setSamplingRate(1.0).setNoiseMultiplier(g.noiseMultiplier()).setSteps(g.count());
        }
        return b.build();
    }

    /** What a charge is, to be signed when it is made (see {@code SignedMessages.ledgerCharge}). */
    public static ChargeStatement statement(Release r, Unit unit, PrivacyEvent event) {
        LedgerEntry e = entry(new LedgerCharge(
                r.studyId(),
                r.roundNumber(),
                r.siteId(),
                unit,
                event,
                java.time.Instant.EPOCH,
                r.roundId(),
                r.attempt(),
                r.payloadSha256()));
        return ChargeStatement.newBuilder()
                .setStudyId(r.studyId())
                .setRoundNumber(r.roundNumber())
                .setRoundId(r.roundId())
                .setAttempt(r.attempt())
                .setSiteId(r.siteId())
                .setUnit(e.getUnit())
                .setSamplingRate(e.getSamplingRate())
                .setNoiseMultiplier(e.getNoiseMultiplier())
                .setSteps(e.getSteps())
                .setPayloadSha256(r.payloadSha256())
                .setSiteSignature(com.google.protobuf.ByteString.copyFrom(r.siteSignature()))
                .build();
    }

    /** The wire's unit of a charge. */
    public static PrivacyUnit unit(Unit unit) {
        return PrivacyWords.wire(unit);
    }
}
