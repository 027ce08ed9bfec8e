package org.cohort.simulation;

import java.util.Map;

/** Accuracy on each site's held-out rows and pooled over all of them (by counts). */
public record Accuracies(Map<String, Double> bySite, double pooled) {}
