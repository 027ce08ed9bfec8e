package org.cohort.learning.train;

import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import org.cohort.learning.Nd4jRuntime;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A site's local training for one round: mini-batch passes over its training split.
 *
 * <p>Training is a function of (parameters, data, plan): the optimiser's state and step count are
 * reset at the start, and mini-batches are shuffled with {@link Random} seeded from the plan, so a
 * round replays exactly. Resetting matches FedAvg as published (a fresh client optimiser per
 * round) and keeps Adam's moments from one round leaking into the next global model's training.
 */
public final class LocalTrainer {

    private LocalTrainer() {}

    /**
     * Trains {@code net} in place on {@code train} with the plan's epochs, batch size, optimiser
     * and learning rate (the plan's optimiser replaces whatever the configuration declared, so a
     * study may change the learning rate between rounds without a new model configuration). With
     * the plan's {@linkplain TrainingPlan#proximalMu() μ} above 0 (FedProx) every step's gradient
     * gains μ·(w − w_global), {@code net}'s parameters on entry being w_global.
     */
    public static TrainingResult train(MultiLayerNetwork net, TabularDataset train, TrainingPlan plan) {
        return train(Network.of(net), train, plan);
    }

    /** As {@link #train(MultiLayerNetwork, TabularDataset, TrainingPlan)}, for either form of network. */
    public static TrainingResult train(Network net, TabularDataset train, TrainingPlan plan) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(plan, "plan");
        Nd4jRuntime.ensureInitialised();
        if (train.size() == 0) {
            throw new IllegalArgumentException(
                    "no training examples; check that the site's table has rows without missing values");
        }
        NetworkShape.requireCompatible(net, train);
        net.useFreshOptimiser(org.cohort.learning.model.Updaters.of(plan.optimizer(), plan.learningRate()));
        ProximalTerm proximal = plan.proximalMu() > 0 ? new ProximalTerm(net.dl4j(), plan.proximalMu()) : null;
        ControlVariateTerm control = ControlVariateTerm.of(net.numParams(), plan.controlCorrection());
        // Last, so that it zeroes the frozen part of whatever the other terms added.
        FrozenGradients frozen = plan.frozen() == null ? null : new FrozenGradients(net.dl4j(), plan.frozen());
        boolean extra = proximal != null || control != null || frozen != null;
        var listeners = new java.util.ArrayList<org.deeplearning4j.optimize.api.TrainingListener>();
        if (extra) {
            listeners.addAll(net.listeners());
        }
        if (proximal != null) {
            net.addListener(proximal);
        }
        if (control != null) {
            net.addListener(control);
        }
        if (frozen != null) {
            net.addListener(frozen);
        }
        try (Nd4jRuntime.Threads threads = Nd4jRuntime.threadsFor(net.numParams(), plan.batchSize())) {
            return fit(net, train, plan);
        } finally {
            if (extra) {
                net.setListeners(listeners);
            }
        }
    }

    private static TrainingResult fit(Network net, TabularDataset train, TrainingPlan plan) {
        Random random = new Random(plan.seed());
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        long steps = 0;
        double lastEpochLoss = Double.NaN;
        for (int epoch = 0; epoch < plan.localEpochs(); epoch++) {
            shuffle(order, random);
            double lossSum = 0;
            for (int start = 0; start < order.length; start += plan.batchSize()) {
                int end = Math.min(order.length, start + plan.batchSize());
                DataSet batch =
                        train.select(Arrays.copyOfRange(order, start, end)).toDataSet();
                net.fit(batch);
                // DL4J's score for a fit is the mean loss of the batch computed before the update.
                lossSum += net.score() * (end - start);
                steps++;
            }
            lastEpochLoss = lossSum / order.length;
        }
        return new TrainingResult(lastEpochLoss, train.size(), steps);
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }
}
