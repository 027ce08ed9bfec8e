package org.cohort.learning.train;

import java.util.Objects;

/**
 * A site's side of SCAFFOLD (Karimireddy et al. 2020, Algorithm 1, option II): the server's
 * control variate c and the site's own c_i. Local training corrects every step by
 * {@link #correction()} = c − c_i; afterwards, from the model delta Δy = y_i − x the site sends,
 * c_i⁺ = c_i − c + (x − y_i)/(K·η) = c_i − c − Δy/(K·η), and Δc_i = c_i⁺ − c_i travels with Δy.
 *
 * <p><b>Privacy.</b> Option II reads only Δy (under patient-level DP the DP-SGD release), the
 * public c, the site's previous c_i (itself computed the same way) and the public K and η: c_i⁺
 * and Δc_i are post-processing of what the site releases anyway and cost no ε. Option I (c_i⁺ =
 * the gradient at x on the site's data) would read raw gradients and is not offered. The
 * correction c − c_i is likewise a function of released values only, so adding it to DP-SGD's
 * noised step keeps the step's guarantee.
 *
 * @param server c, one value per model parameter
 * @param site   c_i, one value per model parameter (zeros before the site's first round)
 */
public record ControlVariates(float[] server, float[] site) {
    public ControlVariates {
        Objects.requireNonNull(server, "server control variate c");
        Objects.requireNonNull(site, "site control variate c_i");
        if (server.length != site.length) {
            throw new IllegalArgumentException("the server's control variate has " + server.length
                    + " values but the site's " + site.length + "; the model changed size: start c_i from zero");
        }
    }

    /** c − c_i, what every local step adds to its gradient. */
    public float[] correction() {
        float[] out = new float[server.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = server[i] - site[i];
        }
        return out;
    }

    /**
     * Δc_i = c_i⁺ − c_i = −c − Δy/(K·η) for a round of {@code steps} local steps of size
     * {@code learningRate} that moved the model by {@code delta}.
     */
    public float[] siteChange(float[] delta, long steps, double learningRate) {
        if (delta.length != server.length) {
            throw new IllegalArgumentException(
                    "the delta has " + delta.length + " values, the control variates " + server.length);
        }
        if (steps < 1 || !(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("option II needs at least one local step of a positive learning rate;"
                    + " got K = " + steps + ", η = " + learningRate);
        }
        double scale = 1.0 / (steps * learningRate);
        float[] change = new float[delta.length];
        for (int i = 0; i < change.length; i++) {
            change[i] = (float) (-server[i] - delta[i] * scale);
        }
        return change;
    }

    /** c_i⁺ = c_i + Δc_i: the site's variate after a round whose change {@code change} was sent. */
    public float[] nextSite(float[] change) {
        float[] next = site.clone();
        for (int i = 0; i < next.length; i++) {
            next[i] += change[i];
        }
        return next;
    }
}
