package org.cohort.coordinator.compliance;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.audit.AuditKind;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.SignedCharge;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The privacy charges as the audit chain recorded them (LEDGER_CHARGE entries), read apart from
 * the ledger's rows: what the rows are checked against, and what sites receive signed.
 */
@Component
public class RecordedCharges {
    private final AuditLog audit;
    private final JsonMapper json;

    public RecordedCharges(AuditLog audit, JsonMapper json) {
        this.audit = audit;
        this.json = json;
    }

    /**
     * One LEDGER_CHARGE entry's charge.
     *
     * @param statement          the signed ChargeStatement's bytes; empty in an entry written before charges were signed
     * @param statementSignature the coordinator's signature over them; empty likewise
     */
    public record Recorded(
            long auditSeq,
            LedgerChainCheck.Key key,
            LedgerChainCheck.Terms terms,
            byte[] statement,
            byte[] statementSignature) {}

    /** Every recorded charge, in chain order. */
    public List<Recorded> all() {
        return parse(audit.ofKind(AuditKind.LEDGER_CHARGE));
    }

    /** The charges recorded for one site in one study, in chain order, as signed when they were made. */
    public List<SignedCharge> signed(String studyId, String siteId) {
        List<SignedCharge> out = new ArrayList<>();
        for (Recorded r : parse(audit.mentioning("studyId", studyId))) {
            if (r.key().siteId().equals(siteId) && r.statement().length > 0) {
                out.add(SignedCharge.newBuilder()
                        .setStatement(ByteString.copyFrom(r.statement()))
                        .setSignature(ByteString.copyFrom(r.statementSignature()))
                        .setAuditSeq(r.auditSeq())
                        .build());
            }
        }
        return out;
    }

    private List<Recorded> parse(List<AuditEntry> entries) {
        List<Recorded> out = new ArrayList<>();
        for (AuditEntry e : entries) {
            if (!e.kind().equals(AuditKind.LEDGER_CHARGE.name())) {
                continue;
            }
            JsonNode d = json.readTree(e.detailsJson());
            JsonNode ev = d.path("event");
            Unit unit = SiteCharge.unit(d.path("unit").asString());
            out.add(new Recorded(
                    e.seq(),
                    key(d, unit),
                    new LedgerChainCheck.Terms(
                            ev.path("type").asString(),
                            ev.path("samplingRate").asDouble(),
                            ev.path("noiseMultiplier").asDouble(),
                            ev.path("steps").asLong()),
                    bytes(d, "statement"),
                    bytes(d, "statementSignature")));
        }
        return out;
    }

    /**
     * A charge's key as its entry recorded it. An entry from before per-release charging has no
     * payload digest: it charged the round number, and its round id is not part of the key.
     */
    private static LedgerChainCheck.Key key(JsonNode d, Unit unit) {
        boolean perRelease = d.path("payloadSha256").isString();
        return new LedgerChainCheck.Key(
                d.path("studyId").asString(),
                d.path("roundNumber").asInt(),
                perRelease ? d.path("roundId").asString() : "",
                d.path("siteId").asString(),
                unit,
                perRelease ? d.path("payloadSha256").asString() : "");
    }

    private static byte[] bytes(JsonNode details, String field) {
        JsonNode v = details.path(field);
        return v.isString() ? Base64.getDecoder().decode(v.asString()) : new byte[0];
    }
}
