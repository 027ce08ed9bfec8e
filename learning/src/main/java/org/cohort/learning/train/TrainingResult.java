package org.cohort.learning.train;

/**
 * What one round of local training did.
 *
 * @param meanLoss mean training loss (cross-entropy, nats per example) over the last local epoch,
 *     each mini-batch's loss measured just before its update step and weighted by its size
 * @param examples training examples at the site: the weight FedAvg gives this site's update
 * @param steps optimiser steps taken (mini-batches over all local epochs)
 */
public record TrainingResult(double meanLoss, long examples, long steps) {}
