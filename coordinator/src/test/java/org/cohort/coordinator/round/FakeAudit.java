package org.cohort.coordinator.round;

import java.util.ArrayList;
import java.util.List;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.compliance.AuditTrail;

/** The audit trail of study outcomes as a list of lines ("FAILED st-1: ..."), no signed log behind it. */
final class FakeAudit extends AuditTrail {
    final List<String> entries = new ArrayList<>();

    FakeAudit() {
        super(null, null);
    }

    @Override
    public AuditEntry studyStopped(String studyId, String reason, String actor) {
        entries.add("STOPPED " + studyId + ": " + reason);
        return null;
    }

    @Override
    public AuditEntry studyFinished(String studyId, String status, String detail) {
        entries.add(status + " " + studyId + ": " + detail);
        return null;
    }
}
