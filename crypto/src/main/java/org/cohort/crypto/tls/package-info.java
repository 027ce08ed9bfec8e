/**
 * JSSE trust managers and helpers for Cohort's mutual TLS, in the standard
 * {@code javax.net.ssl} types that gRPC's {@code TlsServerCredentials} and
 * {@code TlsChannelCredentials} accept.
 *
 * <ul>
 *   <li>Coordinator: {@link org.cohort.crypto.tls.TlsTrust#clientCertificateTrust} as its trust
 *       manager, TLS client auth set to <em>optional</em> (agents without a certificate must reach
 *       the enrollment RPC), and {@link org.cohort.crypto.tls.ClientCertificateTrust#authenticate}
 *       on every other RPC.</li>
 *   <li>Agent, first enrollment: {@link org.cohort.crypto.tls.PinnedCaTrust}.</li>
 *   <li>Agent, afterwards: {@link org.cohort.crypto.tls.TlsTrust#coordinator}.</li>
 * </ul>
 */
package org.cohort.crypto.tls;
