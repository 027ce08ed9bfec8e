package org.cohort.learning.dp;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.Network;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The slow path for layer types {@link VectorisedGradients} does not handle: one DL4J backward pass
 * per example (a batch of one), 20 to 70× slower than one batched pass on the presets. Correct for
 * any layer whose output for one example does not depend on the other examples of the batch.
 */
final class LoopedGradients implements PerExampleGradients {

    private final Network net;
    private final String reason;
    private final int numParams;
    /** Layers left out of every example's gradient (null: none). */
    private final FrozenLayers frozen;

    LoopedGradients(org.deeplearning4j.nn.multilayer.MultiLayerNetwork net, String reason) {
        this(Network.of(net), reason);
    }

    LoopedGradients(Network net, String reason) {
        this(net, reason, null);
    }

    LoopedGradients(Network net, String reason, FrozenLayers frozen) {
        this.net = net;
        this.reason = reason;
        this.frozen = frozen;
        this.numParams = Math.toIntExact(net.numParams());
    }

    @Override
    public ClippedSum clippedSum(TabularDataset rows, double clipNorm) {
        int batch = rows.size();
        INDArray features = rows.featureMatrix();
        INDArray labels = rows.labelMatrix();
        INDArray mask = rows.labelMask();
        double[] sum = new double[numParams];
        double[] norms = new double[batch];
        double lossSum = 0;
        for (int b = 0; b < batch; b++) {
            float[] g = gradientOf(features, labels, mask, b);
            lossSum += net.score();
            double squared = 0;
            for (float v : g) {
                squared += (double) v * v;
            }
            norms[b] = Math.sqrt(squared);
            double factor = PerExampleGradients.clipFactor(norms[b], clipNorm, b);
            for (int i = 0; i < numParams; i++) {
                sum[i] += factor * g[i];
            }
        }
        float[] result = new float[numParams];
        for (int i = 0; i < numParams; i++) {
            result[i] = (float) sum[i];
        }
        net.clear();
        return new ClippedSum(result, lossSum, norms);
    }

    @Override
    public float[][] perExample(TabularDataset rows) {
        INDArray features = rows.featureMatrix();
        INDArray labels = rows.labelMatrix();
        INDArray mask = rows.labelMask();
        float[][] result = new float[rows.size()][];
        for (int b = 0; b < result.length; b++) {
            result[b] = gradientOf(features, labels, mask, b);
        }
        net.clear();
        return result;
    }

    // A batch of one: DL4J's gradient is then that example's own, in the flat parameter layout;
    // its frozen part zeroed, so that it counts neither in the norm nor in the sum.
    private float[] gradientOf(INDArray features, INDArray labels, INDArray mask, int row) {
        float[] g = net.gradient(
                features.getRow(row, true).dup(),
                labels.getRow(row, true).dup(),
                mask == null ? null : mask.getRow(row, true).dup());
        if (frozen != null) {
            frozen.zeroFrozen(g);
        }
        return g;
    }

    @Override
    public boolean vectorised() {
        return false;
    }

    @Override
    public String slowPathReason() {
        return reason;
    }
}
