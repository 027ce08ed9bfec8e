package org.cohort.coordinator.study;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.cohort.learning.model.FrozenLayers;

/**
 * Which of a study's parameters train and travel: all of them, or, when the study freezes layers
 * ({@code model.freeze}), the trainable positions that {@link FrozenLayers} resolves on the study's
 * stored model configuration — the same configuration and list the sites resolve them from, so
 * both sides agree on the positions and their order without sending them.
 */
public final class TrainableParameters {
    private TrainableParameters() {}

    /** Studies whose resolution is kept: resolving builds the network once per study, not per upload. */
    private static final int KEPT = 64;

    private static final Map<String, Optional<FrozenLayers>> RESOLVED = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<FrozenLayers>> eldest) {
            return size() > KEPT;
        }
    };

    /** The study's frozen layers, or empty when every parameter trains. */
    public static Optional<FrozenLayers> frozen(Study study) {
        if (study.spec().model() == null || !study.spec().model().freezes()) {
            return Optional.empty();
        }
        synchronized (RESOLVED) {
            Optional<FrozenLayers> kept = RESOLVED.get(study.studyId());
            if (kept != null) {
                return kept;
            }
        }
        if (!org.cohort.learning.Dl4jSupport.present()) {
            // A study a full replica created, met by a lean one sharing its database: fail in words, not with
            // NoClassDefFoundError (an Error the round loop would not catch).
            throw new IllegalStateException("study " + study.studyId() + " freezes layers of a DL4J model, which "
                    + org.cohort.learning.Dl4jSupport.lean("coordinator") + " cannot resolve: run it on full"
                    + " coordinators (lean and full replicas must not share a cluster that holds DL4J studies)");
        }
        Optional<FrozenLayers> fresh = Optional.of(LearningBridge.frozenLayers(
                study.modelConfigJson(), study.spec().model().freeze()));
        synchronized (RESOLVED) {
            RESOLVED.put(study.studyId(), fresh);
        }
        return fresh;
    }

    /** Values of one model-sized vector of an update: the trainable count, or {@code modelLength} when nothing is frozen. */
    public static long updateLength(Study study, long modelLength) {
        return frozen(study).map(FrozenLayers::trainableCount).orElse(modelLength);
    }
}
