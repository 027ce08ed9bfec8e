package org.cohort.learning.dp;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.cohort.learning.Nd4jRuntime;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.NetworkShape;
import org.cohort.privacy.clip.L2Clipping;
import org.cohort.privacy.noise.SecureNoiseSource;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site's local training with patient-level differential privacy (DP-SGD, Abadi et al. 2016):
 * each step Poisson-samples rows, clips every sampled row's gradient to L2 norm C, adds Gaussian
 * noise N(0, σ²C²) to each coordinate of the sum, divides by the expected batch size q·n (as
 * Opacus does for Poisson sampling) and takes an optimiser step with that privatised gradient.
 *
 * <p>Per-example gradients are computed in one batched forward and backward pass for networks of
 * dense layers with a softmax cross-entropy output (both presets): on Java arrays when batch ×
 * parameters is small, as for the tabular presets, and with ND4J otherwise. Other networks fall
 * back to one backward pass per example, which is logged as a warning and reported in
 * {@link DpSgdResult#vectorised()}.
 *
 * <p>With the plan's FedProx μ above 0, μ·(w − w_global) is added to each privatised gradient,
 * after clipping and noise: it is data-independent, so it costs no privacy.
 *
 * <p>Like {@code LocalTrainer}, each call starts a fresh optimiser (no state carries over from a
 * previous round). Unlike it, runs do not replay: sampling and noise come from a DRBG, because a
 * predictable sample or noise would void the guarantee.
 */
public final class DpSgdTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(DpSgdTrainer.class);

    private DpSgdTrainer() {}

    /**
     * Trains {@code net} in place on {@code train}. The number of steps and the sampling rate come
     * from {@code dp} (see {@link DpSgdPlan#matching}); the optimiser and learning rate from
     * {@code plan} (and its FedProx μ), whose batch size, epochs and seed are not used. Poisson sampling draws from
     * the privacy module's DRBG; noise from {@code noise} ({@link SecureGaussianNoise} for
     * anything that leaves the site).
     *
     * @return the loss and exactly the (q, σ, steps) the site's accountant must charge
     * @throws IllegalArgumentException if the network and data disagree, or the network has
     *     features DP-SGD cannot account for (batch normalisation, regularisation, gradient
     *     normalisation)
     */
    public static DpSgdResult train(
            MultiLayerNetwork net, TabularDataset train, TrainingPlan plan, DpSgdPlan dp, NoiseSource noise) {
        return train(Network.of(net), train, plan, dp, noise);
    }

    /**
     * As above, for either form of network. A ComputationGraph, or a network with layers other than
     * dense and output layers, takes the per-example loop ({@link LoopedGradients}): correct for
     * every supported layer (none mixes the examples of a batch), slower than the vectorised path.
     */
    public static DpSgdResult train(
            Network net, TabularDataset train, TrainingPlan plan, DpSgdPlan dp, NoiseSource noise) {
        SecureNoiseSource bits = SecureNoiseSource.create();
        return train(net, train, plan, dp, noise, bits::nextLongBits, new float[0][]);
    }

    /** As the public overload with the given sampling generator; tests use a seeded one. */
    static DpSgdResult train(
            MultiLayerNetwork net,
            TabularDataset train,
            TrainingPlan plan,
            DpSgdPlan dp,
            NoiseSource noise,
            RandomGenerator sampling) {
        return train(Network.of(net), train, plan, dp, noise, sampling, new float[0][]);
    }

    /**
     * For the privacy audit only ({@link CanaryAudit}): as the overload above, with extra training
     * examples whose gradients are given rather than computed ("gradient canaries", Nasr et al.
     * 2023). Each is one more member of the training set: Poisson-sampled at rate q every step,
     * independently of the rows, clipped to C like any row, and summed before the noise. The
     * sampling rate stays {@code dp}'s, which the caller fixes from the training size it declares.
     */
    static DpSgdResult train(
            Network net,
            TabularDataset train,
            TrainingPlan plan,
            DpSgdPlan dp,
            NoiseSource noise,
            RandomGenerator sampling,
            float[][] canaryGradients) {
        Objects.requireNonNull(canaryGradients, "canaryGradients");
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(dp, "dp");
        Objects.requireNonNull(noise, "noise");
        Objects.requireNonNull(sampling, "sampling");
        Nd4jRuntime.ensureInitialised();
        if (train.size() == 0) {
            throw new IllegalArgumentException(
                    "no training examples; check that the site's table has rows without missing values");
        }
        NetworkShape.requireCompatible(net, train);
        requireDpCompatible(net);

        double expectedBatch = dp.divisor(train.size());
        FrozenLayers frozen = plan.frozen();
        if (frozen != null && frozen.total() != net.numParams()) {
            throw new IllegalArgumentException("the frozen layers were resolved on a model of " + frozen.total()
                    + " parameters, the network has " + net.numParams());
        }
        PerExampleGradients gradients = PerExampleGradients.forNetwork(net, expectedBatch, frozen);
        if (!gradients.vectorised()) {
            LOG.warn(
                    "DP-SGD slow path: per-example gradients by looping, one backward pass per example (20 to 70x"
                            + " slower than the vectorised path) because {}",
                    gradients.slowPathReason());
        }
        int numParams = Math.toIntExact(net.numParams());
        INDArray params = net.params();
        IUpdater updaterConfig = org.cohort.learning.model.Updaters.of(plan.optimizer(), plan.learningRate());
        long stateSize = updaterConfig.stateSize(numParams);
        GradientUpdater<?> updater =
                updaterConfig.instantiate(stateSize > 0 ? Nd4j.zeros(DataType.FLOAT, 1, stateSize) : null, true);

        PoissonSampler sampler = new PoissonSampler(train.size(), dp.samplingRate(), sampling);
        PoissonSampler canarySampler = new PoissonSampler(canaryGradients.length, dp.samplingRate(), sampling);
        for (float[] g : canaryGradients) {
            if (g.length != numParams) {
                throw new IllegalArgumentException(
                        "a canary gradient has " + g.length + " values, the network " + numParams + " parameters");
            }
        }
        boolean proximal = plan.proximalMu() > 0;
        if (plan.controlCorrection() != null && plan.controlCorrection().length != numParams) {
            throw new IllegalArgumentException("SCAFFOLD's correction has " + plan.controlCorrection().length
                    + " values but the network has " + numParams + " parameters");
        }
        INDArray correction = plan.controlCorrection() == null
                ? null
                : Nd4j.createFromArray(plan.controlCorrection()).reshape(1, numParams);
        INDArray global = proximal || frozen != null ? params.dup() : null;
        // What the mechanism releases: the trainable coordinates only (see the noise below).
        int released = frozen == null ? numParams : Math.toIntExact(frozen.trainableCount());
        double noiseStd = dp.noiseMultiplier() * dp.clipNorm();
        long lossWindowStart = Math.max(0, dp.steps() - dp.stepsPerEpoch());
        double windowLoss = 0;
        long windowExamples = 0;
        long sampledExamples = 0;

        for (long step = 0; step < dp.steps(); step++) {
            int[] rows = sampler.next();
            PerExampleGradients.ClippedSum clipped = rows.length == 0
                    ? new PerExampleGradients.ClippedSum(new float[numParams], 0, new double[0])
                    : gradients.clippedSum(train.select(rows), dp.clipNorm());
            sampledExamples += rows.length;
            if (step >= lossWindowStart) {
                windowLoss += clipped.lossSum();
                windowExamples += rows.length;
            }
            // An empty batch is still a step of the mechanism: it releases noise alone.
            float[] sum = clipped.sum();
            if (canaryGradients.length > 0) {
                for (int c : canarySampler.next()) {
                    float[] g = canaryGradients[c].clone();
                    if (frozen != null) {
                        frozen.zeroFrozen(g);
                    }
                    L2Clipping.clipInPlace(g, dp.clipNorm());
                    for (int i = 0; i < numParams; i++) {
                        sum[i] += g[i];
                    }
                }
            }
            if (frozen == null) {
                noise.addGaussian(sum, noiseStd);
            } else {
                // Frozen parameters are constants, not outputs of the mechanism: every per-example
                // gradient is zero there, so the clipped sum's sensitivity (C) lies in the trainable
                // coordinates alone and noise on them is all the guarantee needs. Noising the frozen
                // ones too would only move weights the study says must not move, and nothing of them
                // is sent. The accountant's figures are the same (q, σ, steps); the lattice
                // sampler's rounding is accounted for the trainable dimension, which is smaller.
                float[] trainable = frozen.slice(sum);
                noise.addGaussian(trainable, noiseStd);
                sum = frozen.scatter(sum, trainable);
            }
            for (int i = 0; i < numParams; i++) {
                sum[i] = (float) (sum[i] / expectedBatch); // post-processing of the noised sum
            }
            INDArray update = Nd4j.createFromArray(sum).reshape(1, numParams);
            if (proximal) {
                // FedProx's μ·(w − w_global), added after clipping and noise: it depends on the current
                // parameters (already a DP release of the previous steps) and on the public global
                // model, never on a patient's row, so it is post-processing and costs no privacy.
                update.addi(params.sub(global).muli(plan.proximalMu()).reshape(1, numParams));
            }
            if (correction != null) {
                // SCAFFOLD's c − c_i, added after clipping and noise: both variates are functions of
                // released values only (the public c; c_i computed by option II from this site's
                // earlier DP releases), never of a patient's row, so the step stays post-processing.
                update.addi(correction);
            }
            updater.applyUpdater(update, (int) Math.min(step, Integer.MAX_VALUE), 0);
            params.subi(update.reshape(params.shape())); // DL4J keeps params as [n], updaters want [1, n]
        }
        if (frozen != null) {
            // A zero gradient leaves SGD, Nesterov and Adam steps at exactly zero; putting the values back
            // makes the frozen layers bit-identical whatever the updater did.
            float[] kept = frozen.scatter(global.toFloatVector(), frozen.slice(params.toFloatVector()));
            params.assign(Nd4j.createFromArray(kept).reshape(params.shape()));
        }
        return new DpSgdResult(
                windowExamples == 0 ? Double.NaN : windowLoss / windowExamples,
                train.size(),
                dp.steps(),
                sampledExamples,
                dp.samplingRate(),
                dp.noiseMultiplier(),
                dp.clipNorm(),
                noiseStd / noise.accountedSensitivity(dp.clipNorm(), released),
                gradients.vectorised(),
                noise.describe());
    }

    /**
     * Refuses what would break the per-example bound or be silently dropped: batch normalisation
     * mixes examples, so no per-example gradient exists; regularisation and gradient
     * normalisation are applied by DL4J's updater, which this trainer replaces.
     */
    static void requireDpCompatible(MultiLayerNetwork net) {
        requireDpCompatible(Network.of(net));
    }

    static void requireDpCompatible(Network net) {
        if (net.params().dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("the network's parameters are "
                    + net.params().dataType() + "; DP-SGD trains float32 networks, as ModelSpec builds them");
        }
        dpProblem(net.layers()).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    /**
     * Why a network with these layers cannot be trained with DP-SGD here, if it cannot: what
     * {@link #train} would refuse, for a study to be refused when it is created.
     */
    public static java.util.Optional<String> dpProblem(java.util.List<Layer> layers) {
        int index = 0;
        for (Layer layer : layers) {
            String where = "layer " + index++ + " (" + layer.getClass().getSimpleName() + ")";
            if (layer instanceof BatchNormalization) {
                return java.util.Optional.of(where + " is batch normalisation, which mixes the examples of a"
                        + " batch so that no per-example gradient exists; remove it for DP-SGD");
            }
            if (layer instanceof BaseLayer base) {
                if (!base.getRegularization().isEmpty()
                        || !base.getRegularizationBias().isEmpty()) {
                    return java.util.Optional.of(where + " has L1/L2/weight-decay regularisation, which DP-SGD"
                            + " here does not apply; remove it from the model configuration");
                }
                GradientNormalization normalization = base.getGradientNormalization();
                if (normalization != null && normalization != GradientNormalization.None) {
                    return java.util.Optional.of(where + " has gradient normalisation " + normalization
                            + "; DP-SGD clips per example instead, remove it from the model configuration");
                }
            }
        }
        return java.util.Optional.empty();
    }
}
