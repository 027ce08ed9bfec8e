package org.cohort.coordinator.study;

import org.springframework.stereotype.Component;

/** Builds networks with the shared learning module's presets. */
@Component
public class Dl4jModelFactory implements ModelFactory {

    @Override
    public String configJson(StudySpec spec) {
        int inputs = 0;
        for (var f : spec.dataset().features()) {
            inputs += f.categorical() ? f.levels().size() : 1;
        }
        return LearningBridge.configJson(spec, inputs);
    }

    @Override
    public float[] initialParameters(String configJson, long seed) {
        return LearningBridge.initialParameters(configJson, seed);
    }
}
