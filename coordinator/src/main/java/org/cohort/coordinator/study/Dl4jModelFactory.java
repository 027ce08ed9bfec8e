package org.cohort.coordinator.study;

import org.springframework.stereotype.Component;

/** Builds networks with the shared learning module's presets. */
@Component
class Dl4jModelFactory implements ModelFactory {

    @Override
    public String configJson(StudySpec spec) {
        return LearningBridge.configJson(spec, Math.toIntExact(ModelSize.inputs(spec)));
    }

    @Override
    public float[] initialParameters(String configJson, long seed) {
        return LearningBridge.initialParameters(configJson, seed);
    }

    @Override
    public float[] initialParameters(StudySpec spec, String configJson) {
        return LearningBridge.initialParameters(spec, configJson);
    }
}
