/**
 * Privacy accounting: what has been spent, in (ε, δ), for whom.
 *
 * <p>Events ({@link org.cohort.privacy.accounting.PrivacyEvent}) are recorded in an
 * {@link org.cohort.privacy.accounting.EventHistory} per protected unit, composed by an
 * accountant ({@link org.cohort.privacy.accounting.RdpAccountant} or the tighter
 * {@link org.cohort.privacy.accounting.PldAccountant}), and reported as a
 * {@link org.cohort.privacy.accounting.PrivacyReport} that states unit, δ, method and inputs:
 *
 * <pre>{@code
 * EventHistory h = EventHistory.empty(Unit.PATIENT)
 *     .append("study-1/round-1", new PrivacyEvent.SampledGaussian(0.0025, 1.3, 6000));
 * PrivacyReport r = RdpAccountant.withDefaultOrders().composeAll(h.events()).report(1e-5, h.unit());
 * r.describe(); // "ε = 0.724 (patient-level, δ = 1e-5, RDP accountant with improved conversion; ...)"
 * }</pre>
 *
 * <p>Both accountants reproduce the published values of TensorFlow Privacy and Google's
 * dp_accounting (see the tests for the vectors and their sources).
 */
package org.cohort.privacy.accounting;
