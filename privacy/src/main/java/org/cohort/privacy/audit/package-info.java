/**
 * Empirical privacy auditing: turning what an attacker could guess about canaries into a lower
 * bound on ε, to set against the ε an accountant claims.
 */
package org.cohort.privacy.audit;
