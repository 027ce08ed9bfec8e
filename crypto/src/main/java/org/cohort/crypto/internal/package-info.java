/**
 * Implementation details shared by the crypto packages. Not API: nothing outside
 * {@code org.cohort.crypto} should use these classes, and they may change without notice.
 */
package org.cohort.crypto.internal;
