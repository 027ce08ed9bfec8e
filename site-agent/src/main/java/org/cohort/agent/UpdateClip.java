package org.cohort.agent;

import org.cohort.privacy.clip.L2Clipping;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of what leaves the site (clip → noise → quantize → mask → sign): under
 * site-level DP the agent itself bounds the whole update to the study's clip norm C, whatever
 * the trainer returned, before it is quantized, masked or signed. The trainer is the site's own
 * code but not trusted with the guarantee: a buggy or external one cannot make the site send
 * more than C, with or without secure aggregation (where the coordinator cannot check it).
 *
 * <p>Under secure aggregation with the study's {@code maxUpdateNorm} the whole update (under
 * SCAFFOLD the delta and Δc together, as one vector) is also clipped to that L2 norm before it is
 * quantized and masked. An honest agent's bound only: the coordinator sees the masked sum, not
 * the update, so nothing proves that a hostile site applied it (that would take a zero-knowledge
 * proof of the norm of the masked input, which Cohort does not implement).
 */
final class UpdateClip {
    private static final Logger log = LoggerFactory.getLogger(UpdateClip.class);

    private UpdateClip() {}

    /**
     * The update to send for the task: under site-level DP a copy clipped to the task's clip norm
     * (the trainer's array is left alone); otherwise {@code delta} itself.
     *
     * @throws IllegalArgumentException when the update holds NaN or infinite values, or the task's
     *     clip norm is not a finite positive number: nothing is sent
     */
    static float[] apply(RoundTask task, float[] delta) {
        if (delta == null || task.getKind() != TaskKind.TRAIN) {
            return delta;
        }
        Double bound = normBound(task);
        if (bound != null) {
            // Not a warning: an honest update above the study's bound is expected now and then.
            delta = clipped(task, delta, bound, "the study's maxUpdateNorm, before masking", false);
        }
        if (!task.hasPrivacy() || task.getPrivacy().getMode() != org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE) {
            return delta;
        }
        // Under site-level DP the trainer should have clipped already: an update above C is a fault.
        return clipped(task, delta, task.getPrivacy().getClipNorm(), "the study's clip norm", true);
    }

    /** A copy of {@code delta} clipped to {@code bound}, logged when it was above. */
    private static float[] clipped(RoundTask task, float[] delta, double bound, String what, boolean warn) {
        float[] bounded = delta.clone();
        double norm = L2Clipping.clipInPlace(bounded, bound);
        if (norm > bound) {
            String message = "round {} of study {}: update of L2 norm {} clipped to {} ({})";
            Object[] args = {
                task.getRoundNumber(),
                task.getStudyId(),
                String.format(java.util.Locale.ROOT, "%.4g", norm),
                bound,
                what
            };
            if (warn) {
                log.warn(message, args);
            } else {
                log.info(message, args);
            }
        }
        return bounded;
    }

    /**
     * The L2 norm a secure round's update is clipped to before masking (the study's maxUpdateNorm),
     * or null when the task sets none.
     *
     * @throws IllegalArgumentException when the bound is not a finite positive number: nothing is sent
     */
    static Double normBound(RoundTask task) {
        if (task.getKind() != TaskKind.TRAIN
                || !task.hasSecagg()
                || task.getSecagg().getMaxUpdateNorm() == 0) {
            return null;
        }
        double bound = task.getSecagg().getMaxUpdateNorm();
        if (!(bound > 0) || Double.isInfinite(bound)) {
            throw new IllegalArgumentException("the task's maxUpdateNorm " + bound
                    + " is not a finite positive number; this site sends nothing for it");
        }
        return bound;
    }
}
