package org.cohort.coordinator.study;

/** Turns a study's model choice into a network configuration and its initial parameters. */
public interface ModelFactory {
    /** DL4J MultiLayerConfiguration JSON for the study's preset, inputs and classes. */
    String configJson(StudySpec spec);

    float[] initialParameters(String configJson, long seed);

    /** The study's version 1 parameters: drawn with {@code model.seed}, or a supplied model's own weights. */
    default float[] initialParameters(StudySpec spec, String configJson) {
        return initialParameters(configJson, spec.model().seed());
    }
}
