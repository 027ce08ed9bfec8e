/**
 * Noise that is safe to release: a DRBG random source, exact discrete Laplace and Gaussian
 * samplers whose acceptance tests are integer comparisons (Canonne, Kamath, Steinke 2020), and
 * a lattice Gaussian for real-valued updates that avoids floating-point attacks.
 */
package org.cohort.privacy.noise;
