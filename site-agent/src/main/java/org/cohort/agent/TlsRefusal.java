package org.cohort.agent;

import io.grpc.Status;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Turns a failed TLS handshake with the coordinator into words a site admin can act on. The
 * coordinator refuses a revoked, expired or foreign certificate during the handshake, and all the
 * agent sees is an alert deep inside a transport error ("ssl exception", "internal error").
 */
public final class TlsRefusal {
    private TlsRefusal() {}

    /** What went wrong and what to do, if {@code status} failed in the TLS handshake. */
    public static Optional<String> explain(Status status) {
        Throwable ssl = null;
        StringBuilder text = new StringBuilder(String.valueOf(status.getDescription()));
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                ssl = t;
            }
            text.append(' ').append(t.getMessage());
        }
        String all = text.toString().toUpperCase(Locale.ROOT);
        if (ssl == null && !all.contains("SSL EXCEPTION")) {
            return Optional.empty();
        }
        boolean alert = all.contains("ALERT");
        if (!alert) {
            // No alert received: this side gave up on the handshake (most often the coordinator's certificate).
            return Optional.of("the TLS handshake with the coordinator failed on this side: "
                    + (ssl == null ? status.getDescription() : ssl.getMessage()) + ". Check that coordinator.addresses"
                    + " names the coordinator this site enrolled with");
        }
        String what;
        if (all.contains("CERTIFICATE_REVOKED")) {
            what = "the coordinator refused this site's certificate because it was revoked; ask the coordinator admin"
                    + " for a new enrollment token and enroll again (move the agent's identity.p12 away first)";
        } else if (all.contains("CERTIFICATE_EXPIRED")) {
            what = "the coordinator refused this site's certificate because it expired (or the clocks of this machine"
                    + " and the coordinator disagree); check the clock, else re-enroll with a new enrollment token";
        } else {
            what = "the coordinator refused this site's certificate: it may be revoked or issued by another"
                    + " coordinator's CA; re-enroll with a new enrollment token (move the agent's identity.p12 away first)";
        }
        return Optional.of(what + " [TLS: " + (ssl == null ? status.getDescription() : ssl.getMessage()) + "]");
    }
}
