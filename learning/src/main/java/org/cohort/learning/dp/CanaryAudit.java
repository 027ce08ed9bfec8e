package org.cohort.learning.dp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.privacy.audit.OneRunAudit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The one-run canary audit of DP-SGD (Steinke, Nasr and Jagielski 2023) on what a site releases:
 * the model after its rounds of local training. Canaries are extra members of the training set,
 * each included independently with probability 1/2; the site trains once; the auditor, who sees
 * only the released model and the (public) initial model, scores every canary, guesses which
 * were included, and {@link OneRunAudit} turns the correct guesses into a 95% lower bound on ε.
 *
 * <p>The canaries are gradient canaries (Nasr et al. 2023, "Tight auditing of differentially
 * private machine learning") pointing in the directions of the output layer that no row can move:
 * a softmax's probabilities do not change when the same vector is added to every class's weights,
 * so every real row's gradient is exactly orthogonal to those directions (one per input of the
 * last layer, plus its bias: 16 for logistic regression on Heart Disease's 15 features). In them
 * the released model holds only the canaries' sampled contributions and the Gaussian noise, which
 * makes this the strongest a white-box audit of one final model can be: with the noise missing,
 * every guess is right. It audits sampling, clipping, noise and the accountant's claim; the split
 * and preprocessing, which no canary can see, are audited by {@code NeighbourAudit}.
 *
 * <p>More canaries than those directions would interfere with one another, so a larger audit
 * repeats the run: the canaries of independent runs are independent, each touches one run only,
 * and the theorem holds for all of them together.
 */
public final class CanaryAudit {

    private CanaryAudit() {}

    /**
     * What to audit.
     *
     * @param train the site's training rows after its split and preprocessing
     * @param network a fresh copy of the study's initial model, the same every call (it is public)
     * @param plan the optimiser and learning rate of the study
     * @param dp each round's DP-SGD plan, with q fixed from the training size the site declared
     * @param rounds rounds of local training, each starting from the model the previous one released
     * @param noise the noise source for a run, from a seed (tests and the CLI use seeded bits)
     */
    public record Target(
            TabularDataset train,
            Supplier<MultiLayerNetwork> network,
            TrainingPlan plan,
            DpSgdPlan dp,
            int rounds,
            LongFunction<NoiseSource> noise) {
        public Target {
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(plan, "plan");
            Objects.requireNonNull(dp, "dp");
            Objects.requireNonNull(noise, "noise");
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
            }
        }
    }

    /**
     * How to audit.
     *
     * @param canariesPerRun canaries in each run, at most {@link #maxCanariesPerRun} for the network
     * @param runs independent training runs (1: the one-run audit proper)
     * @param abstainFraction the share of canaries, those whose scores are nearest the threshold, on
     *     which the auditor abstains; fixed in advance, in [0, 1)
     * @param delta δ of the claim being tested
     * @param confidence e.g. 0.95
     * @param seed fixes inclusions, sampling and noise, so an audit can be rerun exactly
     */
    public record Settings(
            int canariesPerRun, int runs, double abstainFraction, double delta, double confidence, long seed) {
        public Settings {
            if (canariesPerRun < 1) {
                throw new IllegalArgumentException("canariesPerRun must be at least 1, was " + canariesPerRun);
            }
            if (runs < 1) {
                throw new IllegalArgumentException("runs must be at least 1, was " + runs);
            }
            if (!(abstainFraction >= 0 && abstainFraction < 1)) {
                throw new IllegalArgumentException("abstainFraction must be in [0, 1), was " + abstainFraction);
            }
        }
    }

    /**
     * The audit's outcome.
     *
     * @param outcome canaries, guesses and correct guesses, as the theorem counts them
     * @param epsilonLowerBound the empirical lower bound L at {@code confidence}
     * @param included canaries that were in fact included
     * @param threshold the score above which a canary was guessed "in" (half the expected number of
     *     times an included canary is sampled)
     * @param meanScoreIncluded mean score of the included canaries (a diagnostic, read after guessing)
     * @param meanScoreExcluded mean score of the excluded ones
     * @param accountedNoiseMultiplier the σ the site's accountant charges for each run (from the trainer)
     * @param stepsPerRun DP-SGD steps over all rounds of one run
     */
    public record Result(
            OneRunAudit.Outcome outcome,
            double epsilonLowerBound,
            double confidence,
            double delta,
            int included,
            double threshold,
            double meanScoreIncluded,
            double meanScoreExcluded,
            double accountedNoiseMultiplier,
            long stepsPerRun,
            String noise) {}

    /** Directions of the network's last layer that no row's gradient has a component in. */
    public static int maxCanariesPerRun(MultiLayerNetwork net) {
        return net.layerInputSize(net.getnLayers() - 1) + 1;
    }

    /** Runs the audit. */
    public static Result run(Target target, Settings settings) {
        MultiLayerNetwork probe = target.network().get();
        float[] initial = ParameterVectors.read(probe);
        int available = maxCanariesPerRun(probe);
        if (settings.canariesPerRun() > available) {
            throw new IllegalArgumentException(settings.canariesPerRun() + " canaries per run, but this network's"
                    + " last layer has only " + available + " directions that no row's gradient touches; use at most "
                    + available + " per run and more runs");
        }
        float[][] directions = nullDirections(probe, settings.canariesPerRun());
        double clip = target.dp().clipNorm();
        double lr = target.plan().learningRate();
        double expectedBatch = target.dp().expectedBatchSize(target.train().size());
        long steps = target.dp().steps() * target.rounds();
        double threshold = steps * target.dp().samplingRate() / 2;

        SplittableRandom seeds = new SplittableRandom(settings.seed());
        int m = settings.canariesPerRun() * settings.runs();
        double[] scores = new double[m];
        boolean[] in = new boolean[m];
        double accounted = Double.NaN;
        String noiseDescription = "";
        for (int run = 0; run < settings.runs(); run++) {
            SplittableRandom random = seeds.split();
            List<float[]> gradients = new ArrayList<>();
            for (int c = 0; c < settings.canariesPerRun(); c++) {
                int index = run * settings.canariesPerRun() + c;
                in[index] = random.nextBoolean();
                if (in[index]) {
                    float[] g = directions[c].clone();
                    for (int i = 0; i < g.length; i++) {
                        g[i] *= (float) clip; // norm C: as large as clipping lets any row be
                    }
                    gradients.add(g);
                }
            }
            MultiLayerNetwork net = target.network().get();
            DpSgdResult result = trainAllRounds(target, net, random, gradients.toArray(float[][]::new));
            accounted = result.accountedNoiseMultiplier();
            noiseDescription = result.noise();
            float[] released = ParameterVectors.read(net);
            for (int c = 0; c < settings.canariesPerRun(); c++) {
                double moved = 0;
                for (int i = 0; i < released.length; i++) {
                    moved += (double) (initial[i] - released[i]) * directions[c][i];
                }
                // Plain SGD moves θ by -lr·(noised sum)/(q·n) each step, so this is how many times the
                // canary was sampled, plus noise; for other optimisers, just a score.
                scores[run * settings.canariesPerRun() + c] = moved * expectedBatch / (lr * clip);
            }
        }
        return judge(scores, in, threshold, settings, accounted, steps, noiseDescription);
    }

    /**
     * One run of the site's training on {@code target} without canaries, as {@link #run} makes
     * each of its runs: every round's DP-SGD from the previous round's model, sampling and noise
     * drawn from {@code seed}. Returns the released model's parameters. For audits that compare
     * whole runs on neighbouring tables; seeded, so never for anything that leaves a site.
     */
    public static float[] release(Target target, long seed) {
        MultiLayerNetwork net = target.network().get();
        trainAllRounds(target, net, new SplittableRandom(seed), new float[0][]);
        return ParameterVectors.read(net);
    }

    /** Trains {@code net} over all of {@code target}'s rounds; returns the last round's result. */
    private static DpSgdResult trainAllRounds(
            Target target, MultiLayerNetwork net, SplittableRandom random, float[][] canaries) {
        NoiseSource noise = target.noise().apply(random.nextLong());
        SplittableRandom sampling = random.split();
        DpSgdResult result = null;
        for (int round = 0; round < target.rounds(); round++) {
            result = DpSgdTrainer.train(
                    org.cohort.learning.model.Network.of(net),
                    target.train(),
                    target.plan(),
                    target.dp(),
                    noise,
                    sampling,
                    canaries);
        }
        return result;
    }

    private static Result judge(
            double[] scores,
            boolean[] in,
            double threshold,
            Settings settings,
            double accounted,
            long steps,
            String noise) {
        int m = scores.length;
        // Abstain on the canaries whose scores are nearest the threshold: a rule fixed in advance that
        // looks at the released model only.
        Integer[] order = new Integer[m];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(Math.abs(scores[b] - threshold), Math.abs(scores[a] - threshold)));
        int guesses = m - (int) Math.floor(settings.abstainFraction() * m);
        int correct = 0;
        for (int g = 0; g < guesses; g++) {
            int c = order[g];
            boolean guessIn = scores[c] > threshold;
            correct += guessIn == in[c] ? 1 : 0;
        }
        int included = 0;
        double sumIn = 0;
        double sumOut = 0;
        for (int c = 0; c < m; c++) {
            if (in[c]) {
                included++;
                sumIn += scores[c];
            } else {
                sumOut += scores[c];
            }
        }
        var outcome = new OneRunAudit.Outcome(m, guesses, correct);
        double bound = OneRunAudit.epsilonLowerBound(outcome, settings.delta(), settings.confidence());
        return new Result(
                outcome,
                bound,
                settings.confidence(),
                settings.delta(),
                included,
                threshold,
                included == 0 ? Double.NaN : sumIn / included,
                included == m ? Double.NaN : sumOut / (m - included),
                accounted,
                steps,
                noise);
    }

    /**
     * The first {@code count} of the orthonormal directions that add the same value to every
     * class's weight from one input (or to every class's bias) of the last layer; its parameters
     * are laid out as W column by column (W[i][j] at offset + j·in + i), then the bias.
     */
    static float[][] nullDirections(MultiLayerNetwork net, int count) {
        int last = net.getnLayers() - 1;
        int in = net.layerInputSize(last);
        int classes = net.layerSize(last);
        int numParams = Math.toIntExact(net.numParams());
        int offset = numParams - (in * classes + classes);
        float value = (float) (1 / Math.sqrt(classes));
        float[][] directions = new float[count][numParams];
        for (int d = 0; d < count; d++) {
            for (int j = 0; j < classes; j++) {
                directions[d][d < in ? offset + j * in + d : offset + in * classes + j] = value;
            }
        }
        return directions;
    }

    /**
     * The production noise sampler (lattice Gaussian, exact discrete Gaussian on the grid) fed by a
     * seeded generator instead of the DRBG: the same distribution, reproducible for an audit, and
     * so never to be used for anything released.
     */
    public static NoiseSource seededLatticeNoise(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new SecureGaussianNoise(
                random::nextLong,
                SecureGaussianNoise.DEFAULT_GRANULARITY_EXPONENT,
                "seeded audit bits (SplittableRandom), not a DRBG");
    }
}
