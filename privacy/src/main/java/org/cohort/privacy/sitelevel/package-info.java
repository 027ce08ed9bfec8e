/**
 * Site-level differential privacy (DP-FedAvg, one site's clipped update added or removed): the
 * distributed discrete Gaussian that sites add inside the secure-aggregation ring, and the
 * noise multiplier each site-level round is charged with, central or distributed.
 */
package org.cohort.privacy.sitelevel;
