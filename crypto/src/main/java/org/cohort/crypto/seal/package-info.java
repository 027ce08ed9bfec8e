/**
 * Sealing values that leave a process but must stay readable only to Cohort's own replicas (the
 * cluster state): one interface, {@link org.cohort.crypto.seal.Sealer}; keys, algorithms and
 * nonce handling are chosen in {@code org.cohort.crypto.internal}.
 */
package org.cohort.crypto.seal;
