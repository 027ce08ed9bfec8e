package org.cohort.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.cohort.coordinator.ledger.LedgerCharge;
import org.cohort.coordinator.ledger.PrivacyLedger;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.LedgerEntry;
import org.cohort.protocol.v1.PrivacyLedgerGrpc;
import org.cohort.protocol.v1.SiteChargesRequest;
import org.cohort.protocol.v1.SiteChargesResponse;
import org.springframework.stereotype.Component;

/** Answers an agent's "what have you charged me?" with its own charges only (site from the certificate). */
@Component
public class LedgerService extends PrivacyLedgerGrpc.PrivacyLedgerImplBase {
    private final PrivacyLedger ledger;

    public LedgerService(PrivacyLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void siteCharges(SiteChargesRequest request, StreamObserver<SiteChargesResponse> out) {
        String site = SiteContext.siteId();
        if (request.getStudyId().isBlank()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("study_id is required").asRuntimeException());
            return;
        }
        List<LedgerCharge> charges = new ArrayList<>();
        for (Unit unit : Unit.values()) {
            charges.addAll(ledger.charges(request.getStudyId(), site, unit));
        }
        charges.sort(Comparator.comparingInt(LedgerCharge::roundNumber));
        var response = SiteChargesResponse.newBuilder();
        for (LedgerCharge c : charges) {
            var b = LedgerEntry.newBuilder().setRoundNumber(c.roundNumber())
                    .setUnit(c.unit().name().toLowerCase(Locale.ROOT));
            switch (c.event()) {
                case PrivacyEvent.SampledGaussian g -> b.setSamplingRate(g.samplingRate())
                        .setNoiseMultiplier(g.noiseMultiplier()).setSteps(g.steps());
                case PrivacyEvent.Gaussian g -> b.setSamplingRate(1.0).setNoiseMultiplier(g.noiseMultiplier())
                        .setSteps(g.count());
            }
            response.addCharges(b);
        }
        out.onNext(response.build());
        out.onCompleted();
    }
}
