package org.cohort.coordinator.study;

import java.util.List;

/**
 * How large a study's model is, and how much memory the coordinator would hold for it, worked
 * out from the spec alone — before any network is built, so a model too large for this
 * coordinator is refused with numbers instead of running it out of memory.
 *
 * <p>What the coordinator holds per parameter, at its peak for one study:
 * <ul>
 *   <li>creating the study: the network's parameter array and the float copy written to the
 *       registry: {@value #CREATE_BYTES} bytes;</li>
 *   <li>a plain round: the float64 partial sum on the heap ({@value #PLAIN_ROUND_BYTES} bytes),
 *       nothing for models whose sum is above the heap-sum budget ({@code heap-sum-bytes}),
 *       summed in files;</li>
 *   <li>a secure round: the masked ring sums of the replica and of the secure-aggregation server
 *       and the unmasking masks (3 × 4), the released float64 sum (8), the global and the next
 *       model as floats (2 × 4): {@value #SECURE_ROUND_BYTES} bytes.</li>
 * </ul>
 *
 * @param parameters  the model's parameter count
 * @param peakBytes   the estimate of what the coordinator holds at its peak for the study
 */
public record ModelSize(long parameters, long peakBytes) {
    /**
     * Most multiply-adds Krum's pairwise distances may take per round (n(n − 1)/2 pairs × parameters):
     * about a minute of one core, so that scoring never holds a round past its deadline.
     */
    static final long MAX_PAIRWISE_WORK = 50_000_000_000L;

    static final int CREATE_BYTES = 8;
    static final int PLAIN_ROUND_BYTES = 8;
    static final int SECURE_ROUND_BYTES = 28;
    /**
     * The coordinator's limits on model size.
     *
     * @param maxParameters    most parameters a study's model may have
     * @param memoryBudgetBytes most memory the coordinator may hold for one study's model
     * @param mappedFrom       models with at least this many parameters are summed in files (their
     *                         sum is above the heap-sum budget)
     */
    public record Limits(long maxParameters, long memoryBudgetBytes, long mappedFrom) {}

    /**
     * Width of the encoded feature vector: one per numeric column, one per level of a categorical one;
     * for images, channels × height × width.
     */
    static long inputs(StudySpec spec) {
        if (spec.dataset().images()) {
            return spec.dataset().image().values();
        }
        long inputs = 0;
        for (var f : spec.dataset().features()) {
            inputs = Math.addExact(inputs, f.categorical() ? f.levels().size() : 1);
        }
        return inputs;
    }

    /** The size of a validated spec's model (defaults applied). */
    public static ModelSize of(StudySpec spec, long mappedFrom) {
        List<Integer> hidden = "mlp".equals(spec.model().preset())
                ? (spec.model().hidden().isEmpty()
                        ? List.of(LearningBridge.DEFAULT_MLP_WIDTH)
                        : spec.model().hidden())
                : List.of();
        long parameters = spec.model().hasModule()
                ? spec.model().module().trainableCount()
                : spec.model().custom()
                        ? LearningBridge.userModel(spec.model()).parameterCount()
                        : parameters(
                                inputs(spec),
                                hidden,
                                spec.dataset() == null
                                        ? LearningBridge.NUM_CLASSES
                                        : spec.dataset().modelOutputs());
        boolean secure =
                spec.secureAggregation() != null && spec.secureAggregation().on();
        int roundBytes = secure ? SECURE_ROUND_BYTES : parameters < mappedFrom ? PLAIN_ROUND_BYTES : 0;
        return new ModelSize(parameters, saturatingMultiply(parameters, Math.max(CREATE_BYTES, roundBytes)));
    }

    /** Dense layers with biases: Σ (in·out + out); saturates at Long.MAX_VALUE instead of overflowing. */
    static long parameters(long inputs, List<Integer> hidden, int classes) {
        long total = 0;
        long in = inputs;
        for (int width : hidden) {
            total = saturatingAdd(total, saturatingMultiply(saturatingAdd(in, 1), width));
            in = width;
        }
        return saturatingAdd(total, saturatingMultiply(saturatingAdd(in, 1), classes));
    }

    /** Refuses a model above the limits, with the estimate and the limit in words. */
    public void check(Limits limits) {
        if (parameters > limits.maxParameters()) {
            throw new InvalidStudyException(List.of("the model has " + parameters + " parameters, above this"
                    + " coordinator's limit of " + limits.maxParameters()
                    + " (cohort.coordinator.max-model-parameters);"
                    + " the coordinator would hold about " + mib(peakBytes) + " for it; choose fewer or narrower"
                    + " layers"));
        }
        if (peakBytes > limits.memoryBudgetBytes()) {
            throw new InvalidStudyException(List.of("the model's " + parameters + " parameters would take about "
                    + mib(peakBytes) + " of the coordinator's memory, above its budget of "
                    + mib(limits.memoryBudgetBytes()) + " per study (cohort.coordinator.model-memory-bytes, by"
                    + " default half the heap); choose a smaller model or give the coordinator more memory"));
        }
    }

    /**
     * Refuses a robust strategy (median, trimmed mean, krum, multi-krum) whose round would hold more than the
     * memory budget: it keeps every update, {@code maxSites × parameters × 4} bytes; and Krum whose pairwise
     * distances would take more than {@value #MAX_PAIRWISE_WORK} multiply-adds a round.
     */
    public void checkHeldUpdates(StudySpec spec, Limits limits) {
        var strategy = org.cohort.coordinator.aggregation.Strategy.named(spec.strategy(), spec.strategyOptions());
        if (!(strategy instanceof org.cohort.coordinator.aggregation.RobustStrategy)) {
            return;
        }
        int sites = spec.strategyOptions().maxSites();
        long pairs = (long) sites * (sites - 1) / 2;
        long work = saturatingMultiply(pairs, parameters);
        if (!(strategy instanceof org.cohort.coordinator.aggregation.CoordinateWise) && work > MAX_PAIRWISE_WORK) {
            throw new InvalidStudyException(List.of("strategy '" + spec.strategy() + "' compares every pair of"
                    + " held updates each round: " + pairs + " pairs (maxSites " + sites + ") × " + parameters
                    + " parameters = " + work + " multiply-adds, above the " + MAX_PAIRWISE_WORK + " a round may"
                    + " spend on them; lower maxSites, choose a smaller model, or use median or trimmed-mean,"
                    + " which read each update once"));
        }
        long held = saturatingMultiply(saturatingMultiply(parameters, sites), Float.BYTES);
        if (held > limits.memoryBudgetBytes()) {
            throw new InvalidStudyException(List.of("strategy '" + spec.strategy() + "' holds every site's update:"
                    + " " + sites + " sites (strategyOptions.maxSites) × " + parameters + " parameters × 4 bytes = "
                    + mib(held) + ", above the coordinator's budget of " + mib(limits.memoryBudgetBytes())
                    + " per study (cohort.coordinator.model-memory-bytes); lower maxSites, choose a smaller model,"
                    + " or use fedavg, which holds one sum"));
        }
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static long saturatingMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }
}
