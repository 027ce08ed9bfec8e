package org.cohort.agent;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The agent's check of what a trainer returned, before anything is charged or sent: the update
 * must have the layout the agent sent (names, shapes, size), hold only finite values, and, under
 * patient-level DP, come with a report that matches the DP-SGD plan the agent fixed from the
 * study's terms: the same clip norm and sampling rate, a noise multiplier no smaller, no more
 * steps. The agent charges its own plan, never the report, so a trainer that did fewer steps is
 * charged as planned (conservative) and one that claims less noise or more steps sends nothing.
 */
final class TrainerReportCheck {
    /** Relative slack for a double that went through the trainer and back (protobuf doubles are exact). */
    private static final double SLACK = 1e-9;

    private TrainerReportCheck() {}

    /** Thrown when the agent refuses its own trainer's update: nothing was charged or sent. */
    static final class Refused extends RuntimeException {
        Refused(String reason) {
            super(reason);
        }
    }

    /** Why the trainer's result cannot be sent for {@code job}, or empty when it passes. */
    static Optional<String> problem(Trainer.Job job, List<DenseLayout.Tensor> expected, Trainer.Result r) {
        if (r == null || r.delta() == null) {
            return Optional.of("the trainer returned no update");
        }
        if (r.delta().length != job.global().length) {
            return Optional.of("the trainer returned " + r.delta().length + " values where the model has "
                    + job.global().length + " parameters");
        }
        if (!expected.equals(r.tensors())) {
            return Optional.of("the trainer returned an update laid out as " + describe(r.tensors())
                    + " where the model is " + describe(expected));
        }
        for (int i = 0; i < r.delta().length; i++) {
            if (!Float.isFinite(r.delta()[i])) {
                return Optional.of("the trainer returned an update with a non-finite value (" + r.delta()[i]
                        + " at index " + i + ")");
            }
        }
        if (r.examples() != job.train().size()) {
            return Optional.of("the trainer says it trained on " + r.examples() + " rows where it was given "
                    + job.train().size());
        }
        var dp = job.dp();
        if (dp == null) {
            return Optional.empty(); // nothing is charged from a job without DP-SGD, whatever it reports
        }
        var p = r.privacy();
        if (p == null) {
            return Optional.of("the trainer returned no privacy report for a patient-level DP-SGD job");
        }
        if (!(p.noiseMultiplier() >= dp.noiseMultiplier() * (1 - SLACK))) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "the trainer reports noise multiplier σ = %s, below the σ = %s the study's terms and this"
                            + " site's plan require",
                    p.noiseMultiplier(),
                    dp.noiseMultiplier()));
        }
        if (p.steps() > dp.steps()) {
            return Optional.of("the trainer reports " + p.steps() + " DP-SGD steps, more than the " + dp.steps()
                    + " planned and charged");
        }
        if (p.steps() < 1) {
            return Optional.of("the trainer reports " + p.steps() + " DP-SGD steps");
        }
        if (!close(p.clipNorm(), dp.clipNorm())) {
            return Optional.of(
                    "the trainer reports clip norm C = " + p.clipNorm() + " where the study's is " + dp.clipNorm());
        }
        if (!close(p.samplingRate(), dp.samplingRate())) {
            return Optional.of("the trainer reports sampling rate q = " + p.samplingRate() + " where the plan's is "
                    + dp.samplingRate());
        }
        return Optional.empty();
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= SLACK * Math.max(Math.abs(a), Math.abs(b));
    }

    private static String describe(List<DenseLayout.Tensor> tensors) {
        if (tensors == null || tensors.isEmpty()) {
            return "nothing";
        }
        var sb = new StringBuilder();
        for (var t : tensors) {
            sb.append(sb.isEmpty() ? "" : ", ").append(t.name()).append(t.shape());
            if (sb.length() > 300) {
                return sb.append(", …").toString();
            }
        }
        return sb.toString();
    }
}
