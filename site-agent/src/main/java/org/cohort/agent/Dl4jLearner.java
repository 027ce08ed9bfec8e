package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.learning.data.CsvTableLoader;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.data.ImageFolderLoader;
import org.cohort.learning.data.LoadedTable;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.SplitKey;
import org.cohort.learning.data.SplitRule;
import org.cohort.learning.data.TrainTestSplit;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.ControlVariates;
import org.cohort.learning.train.EvaluationResult;
import org.cohort.learning.train.Evaluator;
import org.cohort.privacy.clip.L2Clipping;
import org.cohort.protocol.ScoreHistogram;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;

/**
 * Local work with Deeplearning4j on the site's own table: the study's schema decides the
 * columns; the held-out split (row by row, keyed with the site's secret) and any local
 * standardisation are computed here, from this site's rows only.
 */
public final class Dl4jLearner implements LocalLearner {
    private final Path dataPath;
    private final SplitKey splitKey;
    private final Map<Prepared, SplitData> prepared = new ConcurrentHashMap<>();
    private final Trainer trainer;

    /** A learner whose split is keyed with the site's secret (see {@link SplitSecretFile}). */
    public Dl4jLearner(Path dataPath, SplitKey splitKey) {
        this(dataPath, splitKey, new Dl4jTrainer());
    }

    /**
     * A learner that hands training to {@code trainer} (in process, or an {@link ExternalTrainer}) and
     * keeps the rest: the data, its split and preprocessing, the held-out evaluation, the DP-SGD plan and
     * the check of what the trainer returns.
     */
    public Dl4jLearner(Path dataPath, SplitKey splitKey, Trainer trainer) {
        this.dataPath = dataPath;
        this.splitKey = java.util.Objects.requireNonNull(splitKey, "splitKey");
        this.trainer = java.util.Objects.requireNonNull(trainer, "trainer");
    }

    @Override
    public void close() {
        trainer.close();
    }

    /** The trainer this learner hands training to. */
    public Trainer trainer() {
        return trainer;
    }

    /**
     * A learner whose split secret is fixed by the data file's name ({@link #fixedSplitSecret}),
     * so every run of a test or simulation holds out the same rows and can be compared with
     * another. Not secret: an agent uses the secret in its state directory.
     */
    public Dl4jLearner(Path dataPath) {
        this(dataPath, SplitKey.of(fixedSplitSecret(dataPath)));
    }

    /** The split secret of {@link #Dl4jLearner(Path)}: SHA-256 of a label and the data file's name. */
    public static byte[] fixedSplitSecret(Path dataPath) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("cohort fixed split for tests: " + dataPath.getFileName())
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The site's data as a study without differential privacy sees it (split and scaled); cached. */
    public SplitData data(DatasetSpec spec) {
        return data(spec, PreprocessingPolicy.DATA_STATISTICS_ALLOWED);
    }

    /**
     * The site's data as a study sees it (split and scaled), cached per dataset description and
     * policy.
     *
     * @throws PreprocessingPolicy.DataDependentPreprocessingException when {@code policy} forbids
     *     the dataset's preprocessing (a DP study asking for statistics of the site's rows)
     */
    public SplitData data(DatasetSpec spec, PreprocessingPolicy policy) {
        return prepared.computeIfAbsent(new Prepared(spec, policy), p -> {
            if (DatasetSchemas.images(spec)) {
                // Declared scaling only (no statistic of the site's images): nothing for the policy to refuse.
                try {
                    var images = ImageFolderLoader.load(
                            dataPath, DatasetSchemas.imageFormat(spec), DatasetSchemas.imagePatients(spec));
                    if (DatasetSchemas.imagePatients(spec).grouped() && repeats(images)) {
                        repeatedPatients.add(spec);
                    }
                    return TrainTestSplit.split(images, splitRule(spec));
                } catch (IOException e) {
                    throw new UncheckedIOException(
                            "cannot read the site's image folder " + dataPath + ": " + e.getMessage(), e);
                }
            }
            var schema = DatasetSchemas.toSchema(spec);
            policy.check(schema); // before reading a single row
            LoadedTable table;
            try {
                table = spec.getFormat().equals("heart-disease")
                        ? HeartDisease.load(dataPath)
                        : CsvTableLoader.load(dataPath, schema, DatasetSchemas.tableFormat(spec));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the site data " + dataPath + ": " + e.getMessage(), e);
            }
            if (repeats(table)) {
                repeatedPatients.add(spec);
            }
            return SplitData.prepare(table, schema, splitRule(spec), policy);
        });
    }

    /**
     * Why this site's data cannot run {@code task} under its privacy unit: patient-level DP counts a
     * row as a patient (per-example clipping bounds one row; a held-out row is one count), so a
     * patient id that repeats would be protected k times less than charged. The reason sent says
     * only that the requirement is not met; the admin's log says which column.
     */
    @Override
    public java.util.Optional<String> unitProblem(RoundTask task) {
        if (task.getPrivacy().getMode() != org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT) {
            return java.util.Optional.empty();
        }
        data(task);
        if (!repeatedPatients.contains(task.getDataset())) {
            return java.util.Optional.empty();
        }
        if (DatasetSchemas.images(task.getDataset())) {
            org.slf4j.LoggerFactory.getLogger(Dl4jLearner.class)
                    .warn(
                            "study {}: a patient id read from the image file names under {} (the part before the"
                                    + " first '{}') names several images: under patient-level DP each patient must have"
                                    + " exactly one image (keep one per patient for this study)",
                            task.getStudyId(),
                            dataPath,
                            task.getDataset().getImage().getPatientIdSeparator());
        } else {
            org.slf4j.LoggerFactory.getLogger(Dl4jLearner.class)
                    .warn(
                            "study {}: the id column '{}' of {} repeats: under"
                                    + " patient-level DP each patient must have exactly one row (keep one row per patient,"
                                    + " e.g. the first visit, or aggregate them)",
                            task.getStudyId(),
                            task.getDataset().getIdColumn(),
                            dataPath);
        }
        String unit = DatasetSchemas.images(task.getDataset()) ? "image" : "row";
        return java.util.Optional.of(
                "this site's data does not have one " + unit + " per patient, which patient-level DP"
                        + " needs (a patient with several " + unit
                        + "s would be protected less than charged; the site's admin finds"
                        + " the details in the agent's log); refused before training, nothing spent");
    }

    /** Whether a patient id repeats among {@code table}'s rows (never, when rows have no ids). */
    private static boolean repeats(LoadedTable table) {
        return table.rowKeys() instanceof org.cohort.learning.data.RowKeys.PatientIds ids
                && new java.util.HashSet<>(ids.ids()).size() != ids.ids().size();
    }

    private record Prepared(DatasetSpec spec, PreprocessingPolicy policy) {}

    private final Set<DatasetSpec> repeatedPatients = ConcurrentHashMap.newKeySet();

    /** The data of {@code task}, under the preprocessing its privacy mode allows. */
    private SplitData data(RoundTask task) {
        return data(task.getDataset(), policy(task.getPrivacy()));
    }

    /** Fail closed: only a task that says it has no DP may preprocess with statistics of the data. */
    private static PreprocessingPolicy policy(org.cohort.protocol.v1.PrivacyPlan dp) {
        var mode = dp.getMode();
        return PreprocessingPolicy.forStudy(mode == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_NONE
                || mode == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_UNSPECIFIED);
    }

    private SplitRule splitRule(DatasetSpec spec) {
        return spec.getTestIdsCount() > 0
                ? new SplitRule.Published(Set.copyOf(spec.getTestIdsList()))
                : new SplitRule.Keyed(splitKey, spec.getTestFraction(), spec.getSplitSeed());
    }

    @Override
    public int trainingRows(RoundTask task) {
        return data(task).train().size();
    }

    @Override
    public PrivacyCharge plannedCharge(RoundTask task) {
        var dp = task.getPrivacy();
        // Refused here, before the task is accepted, not after the model is downloaded.
        DatasetSchemas.checkPolicy(policy(dp), task.getDataset());
        if (task.getKind() == TaskKind.EVALUATE) {
            // Under DP an evaluation releases nothing but, in a patient-level study, its noised counts.
            return HeldOutRelease.releases(task) ? HeldOutRelease.plannedCharge(task) : null;
        }
        return switch (dp.getMode()) {
            // The site cannot see how the coordinator samples the cohort, so it assumes it always
            // takes part (q = 1): conservative, never below the coordinator's own accounting. The
            // model's size is not known before it is downloaded: assume the largest a task may carry,
            // which overstates the rounding (conservative); the charge recorded uses the real size.
            case PRIVACY_MODE_SITE -> SiteLevelNoise.charge(task, Integer.MAX_VALUE);
            case PRIVACY_MODE_PATIENT -> {
                int rows = data(task).train().size();
                // Checked before the model is downloaded, so the model's size is not known yet: assume
                // the largest a task may carry, which overstates the sampler's rounding (conservative).
                yield PatientLevelTraining.planned(
                        PatientLevelTraining.plan(dp, trainingPlan(task), rows), Integer.MAX_VALUE);
            }
            default -> null;
        };
    }

    @Override
    public java.util.Optional<String> modelProblem(RoundTask task, String modelConfigJson, float[] parameters) {
        ModelSpec model;
        int inputs;
        int classes;
        int length;
        try {
            model = new ModelSpec(modelConfigJson);
            inputs = model.numInputs();
            classes = model.numClasses();
            length = model.numParameters();
        } catch (RuntimeException e) {
            return java.util.Optional.of("this agent cannot build the study's model ("
                    + e.getClass().getSimpleName() + "); refused before training, nothing spent");
        }
        var data = data(task.getDataset()).train();
        if (task.getKind() == TaskKind.TRAIN) {
            var untrainable = trainer.modelProblem(modelConfigJson);
            if (untrainable.isPresent()) {
                return java.util.Optional.of("this site's trainer cannot train the study's model (" + untrainable.get()
                        + "); refused before training, nothing spent");
            }
        }
        String problem = length != parameters.length
                ? "the model has " + parameters.length + " parameters where its" + " configuration needs " + length
                : inputs != data.numFeatures()
                        ? "the model takes " + inputs + " inputs where the study's columns encode" + " to "
                                + data.numFeatures()
                        : classes != data.numClasses()
                                ? "the model has " + classes + " outputs where the study's label has "
                                        + data.numClasses() + " classes"
                                : null;
        return java.util.Optional.ofNullable(problem).map(p -> p + "; refused before training, nothing spent");
    }

    /**
     * A survival model's held-out evaluation in the counts a site reports: Harrell's C-index as half
     * pairs (correct = 2·concordant + tied of examples = 2·comparable pairs, so that the coordinator's
     * ratio and pooling over sites give the C-index over the pairs within each site), and the mean
     * negative log-likelihood per patient as the loss.
     */
    static EvaluationResult survivalEvaluation(org.cohort.learning.model.Network net, SplitData data) {
        var survival = Evaluator.evaluateSurvival(net, data.test());
        var c = survival.concordance();
        if (c.comparable() == 0) {
            return EvaluationResult.empty();
        }
        return new EvaluationResult(c.index(), survival.meanLoss(), c.comparableHalves(), c.concordantHalves());
    }

    /** The task's local training plan as the learning module takes it. */
    static TrainingPlan trainingPlan(RoundTask task) {
        var p = task.getPlan();
        return new TrainingPlan(
                p.getLocalEpochs(),
                p.getBatchSize(),
                Optimizer.valueOf(p.getOptimizer().toUpperCase(Locale.ROOT)),
                p.getLearningRate(),
                p.getSeed(),
                p.getProximalMu());
    }

    @Override
    public Outcome run(RoundTask task, String modelConfigJson, float[] global) {
        return run(task, modelConfigJson, global, null);
    }

    @Override
    public Outcome run(RoundTask task, String modelConfigJson, float[] global, ControlVariates variates) {
        SplitData data = data(task);
        var net = new ModelSpec(modelConfigJson).build();
        ParameterVectors.write(net, global);
        boolean binary = !data.test().isSurvival()
                && HeldOutRelease.scoresReleased(data.test().numClasses());
        boolean regression = data.test().isRegression();
        if (HeldOutRelease.releases(task)) {
            double sigma = task.getPrivacy().getEvaluationNoiseMultiplier();
            if (regression) {
                return Outcome.noisedEvaluation(
                        0,
                        HeldOutRelease.releaseErrors(errorSums(net, data), sigma),
                        HeldOutRelease.plannedCharge(task));
            }
            // One release either way, never both: a second would be a second charge.
            if (binary) {
                int bins = ScoreHistogram.binsOf(task.getDataset().getScoreBins());
                long[] histogram = Evaluator.scoreHistogram(net, data.test(), bins);
                return Outcome.noisedEvaluation(
                        0, HeldOutRelease.releaseScores(histogram, bins, sigma), HeldOutRelease.plannedCharge(task));
            }
            long[] counts = Evaluator.confusionMatrix(net, data.test());
            var release = HeldOutRelease.release(counts, data.test().numClasses(), sigma);
            return Outcome.noisedEvaluation(0, release, HeldOutRelease.plannedCharge(task));
        }
        // Under DP nothing about the held-out patients leaves in clear.
        boolean withheld = HeldOutRelease.withheld(task);
        org.cohort.protocol.ErrorSums errors = withheld || !regression ? null : errorSums(net, data);
        var eval = withheld
                ? EvaluationResult.empty()
                : data.test().isSurvival()
                        ? survivalEvaluation(net, data)
                        : regression ? regressionEvaluation(errors) : Evaluator.evaluate(net, data.test());
        ScoreHistogram scores = withheld || !binary
                ? null
                : exactScores(net, data, ScoreHistogram.binsOf(task.getDataset().getScoreBins()));
        if (task.getKind() == TaskKind.EVALUATE) {
            return new Outcome(null, data.train().size(), 0, 0, eval.examples(), eval.correct(), eval.logLoss())
                    .withScores(scores)
                    .withErrors(errors);
        }
        var plan = trainingPlan(task);
        if (variates != null) {
            plan = plan.withControlCorrection(variates.correction());
        }
        var dp = task.getPrivacy();
        long start = System.nanoTime();
        PrivacyCharge charge = plannedCharge(task);
        boolean patient = dp.getMode() == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT;
        var dpPlan = patient ? PatientLevelTraining.plan(dp, plan, data.train().size()) : null;
        var job = new Trainer.Job(task.getRoundId(), modelConfigJson, global, data.train(), plan, dpPlan);
        var expected = DenseLayout.of(modelConfigJson)
                .map(DenseLayout::tensors)
                .orElse(java.util.List.of(
                        new DenseLayout.Tensor("parameters", java.util.List.of((long) global.length))));
        Trainer.Result result = trainer.train(job);
        // The agent's check, before anything is charged or sent: the trainer is not trusted with the guarantee.
        var refused = TrainerReportCheck.problem(job, expected, result);
        if (refused.isPresent()) {
            throw new TrainerReportCheck.Refused(refused.get());
        }
        double loss = result.meanLoss();
        if (patient) {
            // The agent's own plan is charged, never the trainer's report: the same charge whichever trainer ran.
            charge = PatientLevelTraining.planned(dpPlan, global.length);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        float[] delta = result.delta().clone();
        if (dp.getMode() == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE) {
            // DP-FedAvg: bound this site's whole contribution; the coordinator noises the sum.
            L2Clipping.clipInPlace(delta, dp.getClipNorm());
        }
        if (variates != null) {
            // Option II from the delta this site releases (DP-SGD's under patient-level DP), the public
            // c and the public K and η: post-processing, no extra ε. K is the plan's, never a count of
            // rows beyond what the plan already makes public.
            long steps = patient ? dpPlan.steps() : plan.localSteps(data.train().size());
            delta = concat(delta, variates.siteChange(delta, steps, plan.learningRate()));
        }
        return new Outcome(
                        delta,
                        data.train().size(),
                        loss,
                        millis,
                        eval.examples(),
                        eval.correct(),
                        eval.logLoss(),
                        charge)
                .withScores(scores)
                .withErrors(errors);
    }

    /** A regression model's exact error sums on the site's held-out rows (scaled, clamped, quantised). */
    private static org.cohort.protocol.ErrorSums errorSums(org.cohort.learning.model.Network net, SplitData data) {
        return org.cohort.protocol.ErrorSums.measure(
                Evaluator.regressionPredictions(net, data.test()), data.test().targets());
    }

    /**
     * A regression model's held-out figures in the counts every study reports: no row is "correct"
     * (MAE and RMSE travel in the error sums), and the loss is the mean squared error in units of the
     * declared range (Σ(e/R)² / n), what the model is trained to lower.
     */
    private static EvaluationResult regressionEvaluation(org.cohort.protocol.ErrorSums errors) {
        if (errors.count() == 0) {
            return EvaluationResult.empty();
        }
        double mse = errors.squaredErrors() / ((double) org.cohort.protocol.ErrorSums.QUANTUM * errors.count());
        return new EvaluationResult(0, mse, errors.count(), 0);
    }

    /** A binary model's held-out score histogram of {@code bins} bins, measured in clear (a study without DP). */
    private static ScoreHistogram exactScores(org.cohort.learning.model.Network net, SplitData data, int bins) {
        long[] counts = Evaluator.scoreHistogram(net, data.test(), bins);
        return new ScoreHistogram(java.util.Arrays.stream(counts).boxed().toList(), bins, 0);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
