/**
 * Rényi DP of the Poisson-sampled Gaussian mechanism and RDP → (ε, δ) conversions, as
 * standalone functions of plain arrays (the accountant in the parent package wraps them).
 */
package org.cohort.privacy.accounting.rdp;
