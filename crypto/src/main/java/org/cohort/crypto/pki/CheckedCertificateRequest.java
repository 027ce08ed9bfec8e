package org.cohort.crypto.pki;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * A certificate signing request that {@link SiteCertificateAuthority#checkRequest} found
 * well-formed, with an acceptable key that signed it; only the CA can make one, so holding one
 * means the checks passed.
 */
public final class CheckedCertificateRequest {
    private final SubjectPublicKeyInfo subjectKey;

    CheckedCertificateRequest(SubjectPublicKeyInfo subjectKey) {
        this.subjectKey = subjectKey;
    }

    SubjectPublicKeyInfo subjectKey() {
        return subjectKey;
    }
}
