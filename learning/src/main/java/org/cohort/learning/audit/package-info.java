/**
 * Privacy audits of a site's whole pipeline (split, preprocessing, DP-SGD, what is released),
 * run on real data: the neighbouring-table audit of the split and preprocessing, the one-run
 * canary audit of training and the multi-run distinguisher of the whole pipeline on neighbouring
 * tables, with deliberately broken pipelines to show that each audit can see a leak.
 */
package org.cohort.learning.audit;
