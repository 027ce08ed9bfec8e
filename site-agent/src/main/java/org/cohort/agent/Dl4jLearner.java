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
import org.cohort.learning.model.FrozenLayers;
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
    /** The PyTorch modules this site holds ({@code trainer.modules}), or null when it keeps none. */
    private final SiteModules modules;

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
        this(dataPath, splitKey, trainer, null);
    }

    /**
     * As above, for a site that keeps PyTorch modules ({@code trainer.modules}; null: none): a study that
     * names one of them trains it through {@code trainer} (an external one) and is evaluated through its
     * predictions.
     */
    public Dl4jLearner(Path dataPath, SplitKey splitKey, Trainer trainer, SiteModules modules) {
        this.dataPath = dataPath;
        this.splitKey = java.util.Objects.requireNonNull(splitKey, "splitKey");
        this.trainer = java.util.Objects.requireNonNull(trainer, "trainer");
        this.modules = modules;
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
        try {
            // The coordinator's word sizes the histogram this site measures: checked before anything is spent.
            ScoreHistogram.binsOf(task.getDataset().getScoreBins());
        } catch (IllegalArgumentException e) {
            return java.util.Optional.of(e.getMessage() + "; refused before training, nothing spent");
        }
        java.util.Optional<StudyModule> module;
        try {
            module = StudyModule.parse(modelConfigJson);
        } catch (IllegalArgumentException e) {
            return java.util.Optional.of("this agent cannot read the study's module description (" + e.getMessage()
                    + "); refused before training, nothing spent");
        }
        if (module.isPresent()) {
            return moduleProblem(task, module.get(), modelConfigJson, parameters)
                    .map(p -> p + "; refused before training, nothing spent");
        }
        if (!org.cohort.learning.Dl4jSupport.present()) {
            return java.util.Optional.of(org.cohort.learning.Dl4jSupport.lean("agent") + ", so it trains and"
                    + " evaluates studies that name a PyTorch module only, and this study's model is a DL4J network"
                    + " (run the full agent for it); refused before training, nothing spent");
        }
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
            var unfreezable = frozenProblem(task, model);
            if (unfreezable.isPresent()) {
                return unfreezable.map(p -> p + "; refused before training, nothing spent");
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
     * Why this site cannot train or evaluate the study's PyTorch module: its trainer cannot (DL4J in
     * process), it keeps no modules, its copy is not the study's file, or the module does not fit the data.
     */
    private java.util.Optional<String> moduleProblem(
            RoundTask task, StudyModule module, String modelConfigJson, float[] parameters) {
        var untrainable = trainer.modelProblem(modelConfigJson);
        if (untrainable.isPresent()) {
            return java.util.Optional.of(
                    "this site's trainer cannot train the study's model (" + untrainable.get() + ")");
        }
        if (modules == null) {
            return java.util.Optional.of("this site keeps no PyTorch modules (trainer.modules is not set in its agent"
                    + " config), so it cannot train study " + task.getStudyId() + "'s module '" + module.name() + "'");
        }
        try {
            modules.resolve(module);
        } catch (SiteModules.Unusable e) {
            return java.util.Optional.of(e.getMessage());
        }
        var data = data(task.getDataset()).train();
        if (parameters.length != module.trainable()) {
            return java.util.Optional.of("the model has " + parameters.length + " values where the study's module"
                    + " states " + module.trainable());
        }
        if (module.inputValues() != data.numFeatures()) {
            return java.util.Optional.of("the module's input shape " + module.inputShape() + " holds "
                    + module.inputValues() + " values where the study's columns encode to " + data.numFeatures());
        }
        if (module.classes() != data.numClasses()) {
            return java.util.Optional.of("the module predicts " + module.classes() + " classes where the study's"
                    + " label has " + data.numClasses());
        }
        return java.util.Optional.empty();
    }

    /**
     * Why the task's frozen layers cannot be honoured here: they do not resolve on the model, the
     * trainer is an external process (it would train them), or the study also asks for SCAFFOLD's
     * control variates, which span every parameter. Empty when nothing is frozen or all is well.
     */
    private java.util.Optional<String> frozenProblem(RoundTask task, ModelSpec model) {
        if (task.getPlan().getFrozenLayersCount() == 0) {
            return java.util.Optional.empty();
        }
        if (!trainer.honoursFrozenLayers()) {
            return java.util.Optional.of(
                    "the study freezes layers " + task.getPlan().getFrozenLayersList()
                            + ", which only the agent's built-in DL4J trainer honours (an external trainer would train"
                            + " them); run this study with trainer.kind=dl4j");
        }
        if (task.getPlan().getScaffold()) {
            return java.util.Optional.of("the study freezes layers and uses SCAFFOLD, whose control variates span"
                    + " every parameter; the coordinator refuses such a study");
        }
        try {
            FrozenLayers.resolve(model, task.getPlan().getFrozenLayersList());
            return java.util.Optional.empty();
        } catch (IllegalArgumentException e) {
            return java.util.Optional.of("the study's frozen layers do not fit its model: " + e.getMessage());
        }
    }

    /** The task's frozen layers resolved on its model, or null when every layer trains. */
    static FrozenLayers frozen(RoundTask task, String modelConfigJson) {
        return task.getPlan().getFrozenLayersCount() == 0
                ? null
                : FrozenLayers.resolve(
                        new ModelSpec(modelConfigJson), task.getPlan().getFrozenLayersList());
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
        // A module study: the site's copy of the study's module (checked against its digest), trained and
        // evaluated by the external trainer; otherwise the DL4J network, evaluated here.
        var module = StudyModule.parse(modelConfigJson).map(this::siteModule).orElse(null);
        HeldOutScores heldOut;
        if (module != null) {
            if (variates != null) {
                throw new IllegalStateException("a module study cannot train with SCAFFOLD's control variates");
            }
            heldOut = HeldOutScores.predicted(
                    () -> trainer.predict(new Trainer.Prediction(
                            task.getRoundId(),
                            module,
                            global,
                            data.test().features(),
                            data.test().numClasses())),
                    data.test());
        } else {
            var net = new ModelSpec(modelConfigJson).build();
            ParameterVectors.write(net, global);
            heldOut = HeldOutScores.of(net, data);
        }
        boolean binary = !data.test().isSurvival()
                && HeldOutRelease.scoresReleased(data.test().numClasses());
        boolean regression = data.test().isRegression();
        if (HeldOutRelease.releases(task)) {
            double sigma = task.getPrivacy().getEvaluationNoiseMultiplier();
            // One release either way, never both: a second would be a second charge.
            if (regression) {
                return Outcome.noisedEvaluation(
                        0,
                        HeldOutRelease.releaseErrors(heldOut.errorSums(), sigma),
                        HeldOutRelease.plannedCharge(task));
            }
            if (binary) {
                int bins = ScoreHistogram.binsOf(task.getDataset().getScoreBins());
                long[] histogram = heldOut.scoreHistogram(bins);
                return Outcome.noisedEvaluation(
                        0, HeldOutRelease.releaseScores(histogram, bins, sigma), HeldOutRelease.plannedCharge(task));
            }
            long[] counts = heldOut.confusionMatrix();
            var release = HeldOutRelease.release(counts, data.test().numClasses(), sigma);
            return Outcome.noisedEvaluation(0, release, HeldOutRelease.plannedCharge(task));
        }
        // Under DP nothing about the held-out patients leaves in clear.
        boolean withheld = HeldOutRelease.withheld(task);
        org.cohort.protocol.ErrorSums errors = withheld || !regression ? null : heldOut.errorSums();
        var eval = withheld ? EvaluationResult.empty() : regression ? regressionEvaluation(errors) : heldOut.evaluate();
        ScoreHistogram scores = withheld || !binary
                ? null
                : exactScores(heldOut, ScoreHistogram.binsOf(task.getDataset().getScoreBins()));
        if (task.getKind() == TaskKind.EVALUATE) {
            return new Outcome(null, data.train().size(), 0, 0, eval.examples(), eval.correct(), eval.logLoss())
                    .withScores(scores)
                    .withErrors(errors);
        }
        var plan = trainingPlan(task);
        if (variates != null) {
            plan = plan.withControlCorrection(variates.correction());
        }
        FrozenLayers frozen = frozen(task, modelConfigJson);
        if (frozen != null && (variates != null || !trainer.honoursFrozenLayers())) {
            // modelProblem refuses such a task first; this keeps a caller that skipped it from training frozen layers.
            throw new IllegalStateException(frozenProblem(task, new ModelSpec(modelConfigJson))
                    .orElse("frozen layers cannot be honoured here"));
        }
        plan = plan.withFrozen(frozen);
        // What leaves the site: the trainable parameters only (all of them when nothing is frozen).
        int released = frozen == null ? global.length : Math.toIntExact(frozen.trainableCount());
        var dp = task.getPrivacy();
        long start = System.nanoTime();
        PrivacyCharge charge = plannedCharge(task);
        boolean patient = dp.getMode() == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT;
        var dpPlan = patient ? PatientLevelTraining.plan(dp, plan, data.train().size()) : null;
        var job = new Trainer.Job(task.getRoundId(), modelConfigJson, global, data.train(), plan, dpPlan, module);
        Trainer.Result result = trainer.train(job);
        // A module's tensors are the trainer's to state (ExternalTrainer checks that they hold every value).
        var expected = module != null
                ? result.tensors()
                : DenseLayout.of(modelConfigJson)
                        .map(DenseLayout::tensors)
                        .orElse(java.util.List.of(
                                new DenseLayout.Tensor("parameters", java.util.List.of((long) global.length))));
        // The agent's check, before anything is charged or sent: the trainer is not trusted with the guarantee.
        var refused = TrainerReportCheck.problem(job, expected, result);
        if (refused.isPresent()) {
            throw new TrainerReportCheck.Refused(refused.get());
        }
        double loss = result.meanLoss();
        if (patient) {
            // The agent's own plan is charged, never the trainer's report: the same charge whichever trainer ran.
            charge = PatientLevelTraining.planned(dpPlan, released);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        // Frozen positions did not move; only the trainable ones travel, in the model's flat order, which
        // the coordinator resolves the same way from the same model and list.
        float[] delta = frozen == null ? result.delta().clone() : frozen.slice(result.delta());
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

    /** This site's copy of the study's module; SiteModules.Unusable when it has none (modelProblem refused it). */
    private org.cohort.protocol.trainer.v1.ModuleModel siteModule(StudyModule module) {
        if (modules == null) {
            throw new SiteModules.Unusable("this site keeps no PyTorch modules (trainer.modules)");
        }
        return modules.resolve(module);
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
    private static ScoreHistogram exactScores(HeldOutScores heldOut, int bins) {
        long[] counts = heldOut.scoreHistogram(bins);
        return new ScoreHistogram(java.util.Arrays.stream(counts).boxed().toList(), bins, 0);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
