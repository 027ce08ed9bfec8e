package org.cohort.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.cohort.coordinator.compliance.RecordedCharges;
import org.cohort.coordinator.ledger.ChargeWire;
import org.cohort.coordinator.ledger.LedgerCharge;
import org.cohort.coordinator.ledger.PrivacyLedger;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.PrivacyLedgerGrpc;
import org.cohort.protocol.v1.SiteChargesRequest;
import org.cohort.protocol.v1.SiteChargesResponse;
import org.springframework.stereotype.Component;

/**
 * Answers an agent's "what have you charged me?" with its own charges only (site from the
 * certificate): the ledger's rows, and the same charges as signed into the audit log when they
 * were made, so the agent can tell a row edited or deleted since.
 */
@Component
class LedgerService extends PrivacyLedgerGrpc.PrivacyLedgerImplBase {
    private final PrivacyLedger ledger;
    private final RecordedCharges signedCharges;

    public LedgerService(PrivacyLedger ledger, RecordedCharges signedCharges) {
        this.ledger = ledger;
        this.signedCharges = signedCharges;
    }

    @Override
    public void siteCharges(SiteChargesRequest request, StreamObserver<SiteChargesResponse> out) {
        String site = SiteContext.siteId();
        if (request.getStudyId().isBlank()) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("study_id is required")
                    .asRuntimeException());
            return;
        }
        List<LedgerCharge> charges = new ArrayList<>();
        for (Unit unit : Unit.values()) {
            charges.addAll(ledger.charges(request.getStudyId(), site, unit));
        }
        charges.sort(Comparator.comparingInt(LedgerCharge::roundNumber).thenComparingInt(LedgerCharge::attempt));
        var response = SiteChargesResponse.newBuilder();
        for (LedgerCharge c : charges) {
            response.addCharges(ChargeWire.entry(c));
        }
        response.addAllRecorded(signedCharges.signed(request.getStudyId(), site));
        out.onNext(response.build());
        out.onCompleted();
    }
}
