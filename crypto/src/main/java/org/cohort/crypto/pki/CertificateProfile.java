package org.cohort.crypto.pki;

/** What an end-entity certificate is for; decides its key usage and extended key usage. */
enum CertificateProfile {
    /** A site's TLS client certificate: digitalSignature, clientAuth. */
    TLS_CLIENT,
    /** The coordinator's TLS server certificate: digitalSignature, serverAuth, with SANs. */
    TLS_SERVER,
    /** A certificate that only carries a signing key into a PKCS12 keystore: digitalSignature, no EKU. */
    SIGNING_KEY_HOLDER
}
