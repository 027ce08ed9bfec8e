package org.cohort.agent;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.cohort.learning.model.Optimizer;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;

/**
 * Whether this agent knows how to complete a task, judged from the task alone and before it is
 * accepted: a task it would give up half way (an unknown kind, privacy mode, accountant, optimizer
 * or file format, a FedProx μ that is negative or not finite) is refused before anything is trained, so no ε is spent on it. What needs the
 * site's data or the model is checked by the {@link LocalLearner} ({@code trainingRows},
 * {@code modelProblem}), still before training.
 */
final class TaskReadiness {
    private TaskReadiness() {}

    /** What this agent cannot do for {@code task}, or empty when it can. */
    static Optional<String> problem(RoundTask task) {
        if (task.getKind() != TaskKind.TRAIN && task.getKind() != TaskKind.EVALUATE) {
            return cannot("kind " + task.getKind(), "TRAIN, EVALUATE");
        }
        var dp = task.getPrivacy();
        if (dp.getMode() == org.cohort.protocol.v1.PrivacyMode.UNRECOGNIZED) {
            return cannot("privacy mode number " + dp.getModeValue(), "none, patient, site");
        }
        if (org.cohort.protocol.PrivacyWords.isPrivate(dp.getMode())
                && dp.getAccountant() != org.cohort.protocol.v1.Accountant.ACCOUNTANT_RDP
                && dp.getAccountant() != org.cohort.protocol.v1.Accountant.ACCOUNTANT_PLD) {
            return cannot("accountant number " + dp.getAccountantValue(), "rdp, pld");
        }
        String optimizer = task.getPlan().getOptimizer();
        if (task.getKind() == TaskKind.TRAIN
                && Arrays.stream(Optimizer.values()).noneMatch(o -> o.name().equalsIgnoreCase(optimizer))) {
            return cannot(
                    "optimizer '" + optimizer + "'",
                    Arrays.stream(Optimizer.values())
                            .map(o -> o.name().toLowerCase(Locale.ROOT))
                            .collect(java.util.stream.Collectors.joining(", ")));
        }
        double mu = task.getPlan().getProximalMu();
        if (task.getKind() == TaskKind.TRAIN && !(mu >= 0 && Double.isFinite(mu))) {
            return Optional.of("this agent refuses the task: its proximal term mu (FedProx) is " + mu
                    + ", where it must be a finite number of at least 0; refused before training, nothing spent."
                    + " Ask the study's owner to fix the study");
        }
        String format = task.getDataset().getFormat();
        if (!java.util.List.of("csv", "heart-disease", DatasetSchemas.IMAGE_FOLDER)
                .contains(format)) {
            return cannot("dataset format '" + format + "'", "csv, heart-disease, image-folder");
        }
        return Optional.empty();
    }

    private static Optional<String> cannot(String what, String known) {
        return Optional.of("this agent cannot complete the task: its " + what + " is not one it knows (" + known
                + "); refused before training, nothing spent. Ask the study's owner for a study this agent version"
                + " supports, or upgrade the agent");
    }
}
