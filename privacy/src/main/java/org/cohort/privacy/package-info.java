/**
 * Differential privacy for Cohort: clipping, noise samplers that are safe to release, and
 * privacy accountants (RDP and PLD) whose results match the reference libraries
 * (TensorFlow Privacy, Google dp_accounting, Opacus). Pure computation, no I/O.
 *
 * <ul>
 *   <li>{@link org.cohort.privacy.accounting} — privacy events, event histories, accountants
 *       and reports that always carry their unit, δ, accountant and inputs.</li>
 *   <li>{@link org.cohort.privacy.noise} — a DRBG-backed random source, exact discrete
 *       Gaussian/Laplace samplers and a lattice ("granular") Gaussian for real-valued
 *       updates.</li>
 *   <li>{@link org.cohort.privacy.clip} — L2 clipping of updates and per-example factors.</li>
 * </ul>
 */
package org.cohort.privacy;
