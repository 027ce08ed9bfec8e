/** Log-space arithmetic and tail-accurate special functions shared by the accountants. */
package org.cohort.privacy.math;
