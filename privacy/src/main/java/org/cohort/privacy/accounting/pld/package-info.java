/**
 * Privacy loss distributions: pessimistic connect-the-dots discretisation of the sampled
 * Gaussian, composition by FFT with tail truncation charged to δ, and hockey-stick δ(ε) / ε(δ)
 * for add and remove adjacency. Follows dp_accounting's {@code pld} package.
 */
package org.cohort.privacy.accounting.pld;
