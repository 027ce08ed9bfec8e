/** L2 clipping of updates and per-example gradients, the sensitivity bound DP relies on. */
package org.cohort.privacy.clip;
