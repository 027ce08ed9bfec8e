package org.cohort.coordinator.study;

import org.springframework.stereotype.Component;

/**
 * Builds networks with the shared learning module's presets; a study that names a PyTorch module gets its
 * module description and a start vector instead, without DL4J (see {@link ModuleModelSpec}).
 */
@Component
class Dl4jModelFactory implements ModelFactory {

    @Override
    public String configJson(StudySpec spec) {
        if (spec.model().hasModule()) {
            return spec.model().module().configJson(spec);
        }
        return LearningBridge.configJson(spec, Math.toIntExact(ModelSize.inputs(spec)));
    }

    @Override
    public float[] initialParameters(String configJson, long seed) {
        return LearningBridge.initialParameters(configJson, seed);
    }

    @Override
    public float[] initialParameters(StudySpec spec, String configJson) {
        if (spec.model().hasModule()) {
            return spec.model().module().initialValues();
        }
        return LearningBridge.initialParameters(spec, configJson);
    }
}
