package org.cohort.learning.train;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.Network;

/** Checks that a dataset fits a network before DL4J fails deep inside a matrix product. */
public final class NetworkShape {

    private NetworkShape() {}

    /** Throws unless {@code data}'s feature width and classes are what {@code net} reads and predicts. */
    public static void requireCompatible(Network net, TabularDataset data) {
        long inputs = net.numInputs();
        int outputs = net.numClasses();
        if (data.size() > 0 && data.numFeatures() != inputs) {
            throw new IllegalArgumentException("the data has " + data.numFeatures() + " features but the model expects "
                    + inputs + "; encode the site's table with the study's schema");
        }
        if (data.isSurvival() != net.predictsHazards()) {
            throw new IllegalArgumentException(
                    data.isSurvival()
                            ? "the data are survival outcomes but the model predicts class probabilities; a survival study's"
                                    + " model ends in sigmoid hazards with binary cross-entropy (XENT), one per interval"
                            : "the model predicts survival hazards but the data have class labels");
        }
        if (data.isRegression() != net.predictsValue()) {
            throw new IllegalArgumentException(
                    data.isRegression()
                            ? "the data are regression targets but the model predicts classes; a regression study's"
                                    + " model ends in one identity output with MSE"
                            : "the model predicts one value (regression) but the data have class labels");
        }
        if (data.numClasses() != outputs) {
            throw new IllegalArgumentException("the data has " + data.numClasses() + " classes but the model predicts "
                    + outputs + "; the study's label rule and model disagree");
        }
    }
}
