package org.cohort.coordinator.round;

import java.nio.file.Path;
import org.cohort.coordinator.aggregation.StateFile;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;

/**
 * Opens the state a stateful strategy (a server optimiser) carries from the base version to the
 * version a round stages: read from the file the base version's round wrote next to it — whichever
 * replica wrote it — and written next to the staged version, to be moved in place before it is
 * published.
 */
final class StrategyStates {
    private StrategyStates() {}

    /**
     * The state of a round of {@code strategy} from {@code base} to {@code version}; null for a
     * stateless strategy. Only the study's initial model (round 0) starts from zeros: a later
     * version without its state is refused rather than silently restarting the optimiser.
     */
    static StateFile open(ModelRegistry registry, Strategy strategy, ModelVersion base, long version) {
        return open(registry, strategy, base, version, base.numParameters());
    }

    /**
     * As above for a strategy that steps {@code length} values per vector: the trainable part when the
     * study freezes layers (frozen parameters never move, so an optimiser keeps no moments for them).
     */
    static StateFile open(ModelRegistry registry, Strategy strategy, ModelVersion base, long version, long length) {
        if (strategy.stateVectors() == 0) {
            return null;
        }
        Path previous = registry.state(base).orElse(null);
        if (previous == null && base.roundNumber() > 0) {
            throw new IllegalStateException("version " + base.version() + " of study " + base.studyId()
                    + " has no " + strategy.name() + " state next to it ("
                    + base.path().getParent()
                    + "); the optimiser's moments are lost, so no further version is made from it");
        }
        return new StateFile(
                previous,
                registry.stagingState(base.studyId(), version),
                strategy.name(),
                strategy.stateVectors(),
                length);
    }

    /** The staged version with the state finished and attached; as it is for a stateless strategy. */
    static ModelRegistry.Staged attach(ModelRegistry.Staged staged, StateFile state) {
        return state == null ? staged : staged.withState(state.finish());
    }
}
