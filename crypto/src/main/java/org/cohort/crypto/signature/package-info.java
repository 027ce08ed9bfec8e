/**
 * Ed25519 signatures over model versions (signed by the coordinator) and model updates (signed by
 * each site). Signers hold their private key inside; verifiers are built from the signer's
 * published X.509 SubjectPublicKeyInfo. The computation is Bouncy Castle's, see
 * {@link org.cohort.crypto.internal.Ed25519} for why.
 */
package org.cohort.crypto.signature;
