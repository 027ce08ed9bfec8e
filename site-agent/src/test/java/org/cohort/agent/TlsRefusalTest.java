package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsRefusalTest {

    private static Status handshakeFailed(String message) {
        return Status.UNAVAILABLE
                .withDescription("ssl exception")
                .withCause(new RuntimeException("decoder", new SSLHandshakeException(message)));
    }

    @Test
    void aRevokedCertificateSaysToEnrollAgain() {
        assertThat(TlsRefusal.explain(handshakeFailed(
                        "error:10000414:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_REVOKED")))
                .get()
                .asString()
                .contains("because it was revoked")
                .contains("new enrollment token");
        assertThat(TlsRefusal.explain(handshakeFailed("Received fatal alert: certificate_revoked")))
                .get()
                .asString()
                .contains("because it was revoked");
    }

    @Test
    void anExpiredCertificateSaysToCheckTheClock() {
        assertThat(TlsRefusal.explain(handshakeFailed(
                        "error:1000042d:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED")))
                .get()
                .asString()
                .contains("expired")
                .contains("clock");
    }

    @Test
    void anUnexplainedRefusalStillSaysWhatToDo() {
        assertThat(TlsRefusal.explain(
                        handshakeFailed("error:10000438:SSL routines:OPENSSL_internal:TLSV1_ALERT_INTERNAL_ERROR")))
                .get()
                .asString()
                .contains("refused this site's certificate")
                .contains("revoked or issued by another")
                .contains("re-enroll");
    }

    @Test
    void aCoordinatorCertificateThisSideRefusedPointsAtTheAddress() {
        assertThat(TlsRefusal.explain(handshakeFailed("the coordinator's certificate is not from the pinned CA")))
                .get()
                .asString()
                .contains("on this side")
                .contains("coordinator.addresses");
    }

    @Test
    void otherFailuresAreLeftAlone() {
        assertThat(TlsRefusal.explain(Status.UNAVAILABLE.withDescription("io exception")))
                .isEmpty();
        assertThat(TlsRefusal.explain(Status.PERMISSION_DENIED.withDescription("site revoked: test")))
                .isEmpty();
    }
}
