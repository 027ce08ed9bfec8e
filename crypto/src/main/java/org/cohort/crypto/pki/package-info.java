/**
 * Site PKI: the coordinator's certificate authority, one-time enrollment tokens, and the keys and
 * credentials a site agent holds once enrolled.
 *
 * <p>Enrollment in one paragraph: an admin issues a token ({@link EnrollmentTokens#issue}); the
 * agent generates {@link SiteKeys} locally and sends a CSR plus the token over server-authenticated
 * TLS (trusting the coordinator by CA fingerprint pin, see {@code tls.PinnedCaTrust}); the
 * coordinator redeems the token and {@link SiteCertificateAuthority#issue issues} a client
 * certificate; the agent keeps it as a {@link SiteIdentity} and uses mutual TLS from then on.
 */
package org.cohort.crypto.pki;
