package org.cohort.coordinator.session;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.audit.SignedHead;
import org.cohort.protocol.v1.AuditHead;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Puts the audit log's signed head into every round task as it is written to a site's stream.
 * Stamped at the last moment, under the session's send lock, so that the heads one site receives
 * never go backwards however the tasks were built (several studies, several replicas): a site
 * that sees a head go backwards has then found a cut log, not a race.
 */
@Component
class HeadStamp {
    private static final Logger log = LoggerFactory.getLogger(HeadStamp.class);

    private final AuditLog audit;

    public HeadStamp(AuditLog audit) {
        this.audit = audit;
    }

    CoordinatorMessage stamp(CoordinatorMessage message) {
        if (!message.hasRoundTask()) {
            return message;
        }
        SignedHead head;
        try {
            head = audit.signedHead();
        } catch (RuntimeException e) {
            // Sent without a head, the task is refused by the site, which says why: better than no task at all.
            log.error(
                    "round task {} goes out without the audit head: {}",
                    message.getRoundTask().getRoundId(),
                    e.getMessage());
            return message;
        }
        var task = message.getRoundTask().toBuilder()
                .setAuditHead(AuditHead.newBuilder()
                        .setSeq(head.seq())
                        .setHash(ByteString.copyFrom(HexFormat.of().parseHex(head.hash())))
                        .setSignature(ByteString.copyFrom(head.signature())));
        return message.toBuilder().setRoundTask(task).build();
    }
}
