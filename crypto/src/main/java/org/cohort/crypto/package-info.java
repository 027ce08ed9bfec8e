/**
 * Cohort's cryptography: site PKI, signatures and TLS material, with Bouncy Castle inside.
 *
 * <p>Callers state intent ({@code issue a site certificate}, {@code sign a model version},
 * {@code trust only our CA}); algorithms, curves and encodings are chosen in
 * {@link org.cohort.crypto.internal.Algorithms} and nowhere else, so a caller cannot pick a weak
 * one. Public signatures use JDK types only ({@code X509Certificate}, {@code KeyManager},
 * {@code byte[]} in standard encodings); Bouncy Castle stays an implementation detail.
 *
 * <p>Division of labour: key generation, ECDSA and the PKCS12 keystore are the JDK's (SunEC,
 * SunJSSE), so keys round-trip through keystores and JSSE without provider conversions;
 * Bouncy Castle builds and parses X.509 certificates and PKCS#10 requests and computes Ed25519
 * (see {@link org.cohort.crypto.internal.Ed25519}). No provider is registered globally.
 */
package org.cohort.crypto;
