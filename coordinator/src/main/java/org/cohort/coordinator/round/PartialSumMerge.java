package org.cohort.coordinator.round;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.cohort.coordinator.aggregation.DpFedAvg;
import org.cohort.coordinator.aggregation.RobustStrategy;
import org.cohort.coordinator.aggregation.Scaffold;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.registry.ModelFiles;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.TrainableParameters;
import org.cohort.learning.model.FrozenLayers;
import org.springframework.stereotype.Component;

/**
 * Turns the replicas' partial sums of a plain round into its next model. Sealing first (the round
 * is already aggregating, so no replica takes another upload), then writing the model chunk by
 * chunk: each chunk of the sum is pulled from the replicas that hold uploads, added up and
 * stepped with the same chunk of the current model, so the driver's memory is a few chunks
 * however large the model. The round closes with exactly the uploads found in the sealed sums,
 * and those are what the ledger charges; anything inconsistent (a broken sum, a site held twice,
 * a weight other than the declared one) refuses to merge rather than publish a wrong model. A
 * stateful strategy's state (a server optimiser's moments) is read and written chunk by chunk
 * alongside ({@link StrategyStates}).
 */
@Component
class PartialSumMerge {
    private final ReplicaSums sums;
    private final ModelRegistry registry;

    PartialSumMerge(ReplicaSums sums, ModelRegistry registry) {
        this.sums = sums;
        this.registry = registry;
    }

    /** A round's next model, staged from the merged partial sums; the round with the sites they held, and their charges. */
    record Merged(RoundState state, ModelRegistry.Staged next, Map<String, ReleaseCharge> charges) {}

    /** Seals and merges; throws, with nothing staged, when the sums cannot make a model. */
    Merged merge(RoundState state, Study study, ModelVersion base, long version) {
        var sealed = sums.sealAll(state.roundId());
        var holding = new ArrayList<PartialSums.Sealed>();
        var charges = new HashMap<String, ReleaseCharge>();
        var contributors = new TreeSet<String>();
        boolean siteLevel = study.spec().privacy().siteLevel();
        long totalWeight = 0;
        for (PartialSums.Sealed part : sealed.values()) {
            if (part.broken()) {
                throw new IllegalStateException(
                        "replica " + part.memberUuid() + " could not read back an upload it held");
            }
            if (part.contributions().isEmpty()) {
                continue;
            }
            holding.add(part);
            for (PartialSums.Contribution c : part.contributions()) {
                if (!contributors.add(c.siteId())) {
                    throw new IllegalStateException("two replicas hold an update of site " + c.siteId());
                }
                Long expected = siteLevel
                        ? Long.valueOf(DpFedAvg.weight())
                        : state.declaredExamples().get(c.siteId());
                if (expected == null || c.weight() != expected) {
                    throw new IllegalStateException("the update of site " + c.siteId() + " is held with weight "
                            + c.weight() + " where its declared training size gives " + expected);
                }
                try {
                    totalWeight = Math.addExact(totalWeight, c.weight());
                } catch (ArithmeticException e) {
                    throw new IllegalStateException("the weights overflow at the update of site " + c.siteId()
                            + " (weight " + c.weight() + ")");
                }
                ReleaseCharges.of(study, state, c).ifPresent(charge -> charges.put(c.siteId(), charge));
            }
        }
        if (contributors.size() < state.minSites()) {
            throw new IllegalStateException("only " + contributors.size() + " updates were held when the round closed;"
                    + " the study needs at least " + state.minSites());
        }
        Strategy strategy = Strategy.forStudy(study.spec());
        var frozen = TrainableParameters.frozen(study);
        if (frozen.isPresent()) {
            var next = frozenStage(
                    frozen.get(), strategy, holding, state, study, base, version, totalWeight, contributors);
            return new Merged(RoundStateMachine.withContributors(state, contributors), next, charges);
        }
        if (strategy instanceof RobustStrategy robust) {
            RobustStrategy.Held held = (offset, count) -> updates(holding, state, offset, count);
            var combine = robust.round(contributors.size(), base.numParameters(), ModelFiles.CHUNK_VALUES, held);
            var next = registry.stage(
                    study.studyId(),
                    version,
                    base.numParameters(),
                    (offset, count) ->
                            combine.next(registry.readChunk(base, offset, count), held.chunk(offset, count)));
            return new Merged(RoundStateMachine.withContributors(state, contributors), next, charges);
        }
        // One set of buffers for the whole merge and the base model opened once: nothing is allocated
        // per chunk but what another replica's slice brings over the network (and a stateful
        // strategy's state chunk).
        double[] sum = new double[(int) Math.min(ModelFiles.CHUNK_VALUES, base.numParameters())];
        // SCAFFOLD's uploads hold Δc after the delta: the same chunk of its sum lies one model further.
        double[] controlSum = strategy instanceof Scaffold ? new double[sum.length] : null;
        float[] global = new float[sum.length];
        ModelRegistry.Staged next;
        try (var carried = StrategyStates.open(registry, strategy, base, version);
                ModelFiles.Reader baseModel = registry.reader(base)) {
            Scaffold.ControlStep control = strategy instanceof Scaffold scaffold
                    ? scaffold.step(
                            totalWeight, contributors.size(), state.selected().size(), carried)
                    : null;
            Strategy.Step step = control == null ? strategy.step(totalWeight, contributors.size(), carried) : null;
            next = registry.stage(study.studyId(), version, base.numParameters(), (offset, count, into) -> {
                Arrays.fill(sum, 0, count, 0.0);
                for (PartialSums.Sealed part : holding) {
                    sums.addSlice(part.memberUuid(), state.roundId(), offset, count, sum);
                }
                try {
                    baseModel.read(offset, global, count);
                } catch (IOException e) {
                    throw new UncheckedIOException("model file " + base.path() + " is unreadable", e);
                }
                if (control == null) {
                    step.next(global, sum, count, into);
                    return;
                }
                Arrays.fill(controlSum, 0, count, 0.0);
                for (PartialSums.Sealed part : holding) {
                    sums.addSlice(part.memberUuid(), state.roundId(), base.numParameters() + offset, count, controlSum);
                }
                control.next(global, sum, controlSum, count, into);
            });
            next = StrategyStates.attach(next, carried);
        } catch (IOException e) {
            throw new UncheckedIOException("model file " + base.path() + " could not be closed", e);
        }
        return new Merged(RoundStateMachine.withContributors(state, contributors), next, charges);
    }

    /**
     * The next model of a study with frozen layers: the updates hold the trainable part only, so the
     * strategy steps that part (read whole: a study that freezes layers supplied its weights in a Keras
     * file, at most {@link org.cohort.learning.model.KerasImport#MAX_BYTES}), and the frozen values are
     * copied from the base version unchanged, bit for bit.
     */
    private ModelRegistry.Staged frozenStage(
            FrozenLayers frozen,
            Strategy strategy,
            List<PartialSums.Sealed> holding,
            RoundState state,
            Study study,
            ModelVersion base,
            long version,
            long totalWeight,
            java.util.Set<String> contributors) {
        if (strategy instanceof Scaffold) {
            throw new IllegalStateException("SCAFFOLD cannot step a model with frozen layers (refused at creation)");
        }
        float[] full = registry.readParameters(base);
        float[] global = frozen.slice(full);
        float[] trained = new float[global.length];
        int chunk = (int) Math.min(ModelFiles.CHUNK_VALUES, global.length);
        if (strategy instanceof RobustStrategy robust) {
            RobustStrategy.Held held = (offset, count) -> updates(holding, state, offset, count);
            var combine = robust.round(contributors.size(), global.length, chunk, held);
            for (int offset = 0; offset < global.length; offset += chunk) {
                int count = Math.min(chunk, global.length - offset);
                float[] out =
                        combine.next(Arrays.copyOfRange(global, offset, offset + count), held.chunk(offset, count));
                System.arraycopy(out, 0, trained, offset, count);
            }
            return stageWhole(study, version, frozen.scatter(full, trained));
        }
        double[] sum = new double[chunk];
        float[] in = new float[chunk];
        float[] out = new float[chunk];
        try (var carried = StrategyStates.open(registry, strategy, base, version, global.length)) {
            Strategy.Step step = strategy.step(totalWeight, contributors.size(), carried);
            for (int offset = 0; offset < global.length; offset += chunk) {
                int count = Math.min(chunk, global.length - offset);
                Arrays.fill(sum, 0, count, 0.0);
                for (PartialSums.Sealed part : holding) {
                    sums.addSlice(part.memberUuid(), state.roundId(), offset, count, sum);
                }
                System.arraycopy(global, offset, in, 0, count);
                step.next(in, sum, count, out);
                System.arraycopy(out, 0, trained, offset, count);
            }
            return StrategyStates.attach(stageWhole(study, version, frozen.scatter(full, trained)), carried);
        }
    }

    private ModelRegistry.Staged stageWhole(Study study, long version, float[] params) {
        return registry.stage(
                study.studyId(),
                version,
                params.length,
                (offset, count) -> Arrays.copyOfRange(params, (int) offset, (int) offset + count));
    }

    /** The same chunk of every update held whole for a robust strategy, one row per update, in site order. */
    private float[][] updates(List<PartialSums.Sealed> holding, RoundState state, long offset, int count) {
        var rows = new ArrayList<float[]>();
        for (PartialSums.Sealed part : holding) {
            for (PartialSums.Contribution c : part.contributions()) {
                rows.add(sums.updateSlice(part.memberUuid(), state.roundId(), c.siteId(), offset, count));
            }
        }
        return rows.toArray(float[][]::new);
    }
}
