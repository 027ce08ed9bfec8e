package org.cohort.learning.train;

import org.cohort.learning.data.TabularDataset;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Checks that a dataset fits a network before DL4J fails deep inside a matrix product. */
final class NetworkShape {

    private NetworkShape() {}

    static void requireCompatible(MultiLayerNetwork net, TabularDataset data) {
        int inputs = net.layerInputSize(0);
        int outputs = net.layerSize(net.getnLayers() - 1);
        if (data.size() > 0 && data.numFeatures() != inputs) {
            throw new IllegalArgumentException("the data has " + data.numFeatures() + " features but the model expects "
                    + inputs + "; encode the site's table with the study's schema");
        }
        if (data.numClasses() != outputs) {
            throw new IllegalArgumentException("the data has " + data.numClasses() + " classes but the model predicts "
                    + outputs + "; the study's label rule and model disagree");
        }
    }
}
