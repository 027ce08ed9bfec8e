package org.cohort.agent;

import java.util.List;
import java.util.Optional;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.trainer.v1.ModuleModel;

/**
 * The one thing the agent hands out of its trust boundary: a round's local training. A trainer
 * gets the global model, the site's preprocessed training rows and the plan (with the DP-SGD plan
 * the agent fixed), and returns the update with what it says it did. It never sees keys, the
 * network, the study's terms, the ledger or the budgets; the agent checks its answer
 * ({@link TrainerReportCheck}) before anything is charged, noised, masked, signed or sent.
 *
 * <p>Two implementations: {@link Dl4jTrainer} (in process, Deeplearning4j) and
 * {@link ExternalTrainer} (a child process speaking {@code cohort.trainer.v1}, such as the
 * reference PyTorch worker in {@code trainers/pytorch/}).
 */
public interface Trainer extends AutoCloseable {

    /**
     * One round's training.
     *
     * @param roundId for the trainer's log only
     * @param modelConfigJson the study's model (DL4J JSON, as it travels in the study)
     * @param global the global parameters (DL4J's flat order; {@link DenseLayout} names their tensors)
     * @param train the site's preprocessed training rows
     * @param plan epochs, batch size, optimiser, learning rate
     * @param dp the patient-level DP-SGD plan, or null for training without per-example DP
     * @param module a PyTorch module every site holds as a file (with LoRA adapters or not), for an external
     *     trainer, or null for the study's DL4J model; then {@code global} is the offset of the module's
     *     trainable tensors from their start (all zeros at first; the trainer states the layout) and
     *     {@code modelConfigJson} is not read
     */
    record Job(
            String roundId,
            String modelConfigJson,
            float[] global,
            TabularDataset train,
            TrainingPlan plan,
            DpSgdPlan dp,
            ModuleModel module) {

        public Job(
                String roundId,
                String modelConfigJson,
                float[] global,
                TabularDataset train,
                TrainingPlan plan,
                DpSgdPlan dp) {
            this(roundId, modelConfigJson, global, train, plan, dp, null);
        }
    }

    /** What the trainer says it did under DP-SGD: the agent compares it with the job's plan. */
    record PrivacyReport(long steps, double samplingRate, double noiseMultiplier, double clipNorm, String noise) {}

    /**
     * The trainer's answer.
     *
     * @param delta local − global, in the job's layout
     * @param tensors the layout the trainer says {@code delta} has (name and shape of each tensor)
     * @param examples training rows it trained on
     * @param meanLoss its training loss (a diagnostic for the site, never released under DP)
     * @param privacy its DP-SGD report, null when the job had no DP plan
     */
    record Result(
            float[] delta, List<DenseLayout.Tensor> tensors, long examples, double meanLoss, PrivacyReport privacy) {}

    /** "dl4j", "external (pytorch 2.4 on cpu)"…, for the agent's log. */
    String describe();

    /**
     * Whether this trainer keeps a study's frozen layers ({@code model.freeze}) fixed: only the built-in
     * DL4J trainer does; an external one would train them, so such a study is refused before training.
     */
    default boolean honoursFrozenLayers() {
        return false;
    }

    /**
     * Why this trainer cannot train the model, or empty when it can; asked before training, so such a
     * task is refused and costs nothing. A trainer in this process trains DL4J models only: a study that
     * names a PyTorch module needs an external trainer.
     */
    default Optional<String> modelProblem(String modelConfigJson) {
        return StudyModule.parse(modelConfigJson).isPresent()
                ? Optional.of("the study names a PyTorch module, which " + describe() + " cannot train: set"
                        + " trainer.kind=external with the PyTorch worker and trainer.modules")
                : Optional.empty();
    }

    /**
     * A module study's held-out evaluation: the class probabilities of {@code rows} under the module with
     * the global vector {@code global}.
     *
     * @param roundId for the trainer's log only
     * @param rows the site's preprocessed held-out rows (their labels stay with the agent)
     * @param classes the study's classes
     */
    record Prediction(String roundId, ModuleModel module, float[] global, float[][] rows, int classes) {}

    /** Class probabilities, rows × classes (a module study's held-out evaluation); only an external trainer. */
    default float[][] predict(Prediction job) {
        throw new UnsupportedOperationException(describe() + " cannot evaluate a PyTorch module: set"
                + " trainer.kind=external with the PyTorch worker");
    }

    Result train(Job job);

    @Override
    default void close() {}
}
