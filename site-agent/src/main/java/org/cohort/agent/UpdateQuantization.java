package org.cohort.agent;

import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.TransferPlan;

/**
 * The quantize stage of what leaves the site (clip → noise → quantize → mask → sign): picks the
 * study's transfer encoding for a plain update and, under site-level DP, makes sure the values the
 * coordinator will decode still have L2 norm ≤ C.
 *
 * <p>Why the second part: rounding to float16 or to an int8 grid moves each value by up to half a
 * step, which can push a clipped update's norm just above C; the coordinator refuses such an update,
 * and the central noise is calibrated to a sensitivity of exactly C. Block-wise int8 is scale-
 * equivariant (scaling the input scales every block's scale, the codes stay), and float16 is within
 * a relative 2⁻¹¹, so shrinking the input by C/‖decoded‖ and a little margin lands within C in one
 * or two tries. Under patient-level DP the noise was added by DP-SGD before this stage, so
 * quantizing is post-processing and changes no privacy figure; nothing needs shrinking then.
 */
final class UpdateQuantization {
    /** Shrink tries before giving up; two suffice for both codecs, the rest is margin. */
    private static final int MAX_TRIES = 8;

    private UpdateQuantization() {}

    /** The study's encoding for plain updates of this task (float32 when the task names none). */
    static TransferEncoding encoding(RoundTask task) {
        if (!task.hasTransfer() || task.getTransfer().getEncoding() == TensorEncoding.TENSOR_ENCODING_UNSPECIFIED) {
            return TransferEncoding.Float32.INSTANCE;
        }
        TransferPlan plan = task.getTransfer();
        return TransferEncoding.of(plan.getEncoding(), plan.getBlockSize());
    }

    /**
     * The values to encode for {@code task}: {@code delta} itself, or under site-level DP with a lossy
     * encoding a copy shrunk just enough that its decoded form keeps the clip norm.
     */
    static float[] apply(RoundTask task, float[] delta) {
        TransferEncoding encoding = encoding(task);
        if (delta == null
                || encoding instanceof TransferEncoding.Float32
                || !task.hasPrivacy()
                || task.getPrivacy().getMode() != PrivacyMode.PRIVACY_MODE_SITE) {
            return delta;
        }
        return withinNorm(encoding, delta, task.getPrivacy().getClipNorm());
    }

    /** {@code values}, or a shrunk copy, whose decoded form under {@code encoding} has L2 norm ≤ {@code clip}. */
    static float[] withinNorm(TransferEncoding encoding, float[] values, double clip) {
        float[] v = values;
        double margin = 1e-4;
        for (int i = 0; i < MAX_TRIES; i++) {
            double norm = norm(TransferEncoding.roundTrip(encoding, v));
            if (norm <= clip) {
                return v;
            }
            float[] shrunk = new float[v.length];
            double factor = clip / norm * (1 - margin);
            for (int j = 0; j < v.length; j++) {
                shrunk[j] = (float) (v[j] * factor);
            }
            v = shrunk;
            margin *= 4;
        }
        throw new IllegalStateException("could not bring the " + encoding.word() + "-encoded update within the clip"
                + " norm " + clip + "; nothing is sent");
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
