package org.cohort.coordinator.study;

import java.util.List;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.NoiseCalibration;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * What the ML team asks for when creating a study (the REST body). Missing optional values
 * take the defaults of {@link #withDefaults()}; {@link #validate()} explains every problem.
 *
 * @param model              which network to train
 * @param plan               local training at each site
 * @param dataset            the table every site brings: columns, label rule, held-out split
 * @param rounds             training rounds
 * @param minSites           a round needs at least this many reports, else it is retried
 * @param roundTimeoutSeconds deadline of each round, counted from when tasks are sent
 * @param maxRetries         attempts per round before the study fails
 * @param strategy           aggregation strategy, one of {@code Strategy.NAMES} ("fedavg")
 * @param privacy            differential privacy of the study; absent means none
 * @param secureAggregation  SecAgg+ settings; when enabled the coordinator learns only the sum
 * @param maxSiteExamples    the largest training size a site may declare when it accepts the study
 *                           (its FedAvg weight, public by assumption); a site declaring more is not
 *                           selected. It caps how much of each step one site can own. Default
 *                           {@value #DEFAULT_MAX_SITE_EXAMPLES}; for patient-level DP at most
 *                           {@value #DELTA_TIMES_UNITS_LIMIT}/δ (see {@link #validate()}), and that is
 *                           also its default there
 * @param strategyOptions    the strategy's parameters (server learning rate, moments, trimming);
 *                           defaults by strategy name, see {@link StrategyOptions}
 * @param transfer           how plain updates and model downloads travel (float32, float16 or block-wise
 *                           int8); default float32
 */
public record StudySpec(
        String name,
        Model model,
        Plan plan,
        Dataset dataset,
        Integer rounds,
        Integer minSites,
        Integer roundTimeoutSeconds,
        Integer maxRetries,
        String strategy,
        Privacy privacy,
        SecureAggregation secureAggregation,
        Long maxSiteExamples,
        StrategyOptions strategyOptions,
        Transfer transfer) {

    /** A spec with float32 transfer. */
    public StudySpec(
            String name,
            Model model,
            Plan plan,
            Dataset dataset,
            Integer rounds,
            Integer minSites,
            Integer roundTimeoutSeconds,
            Integer maxRetries,
            String strategy,
            Privacy privacy,
            SecureAggregation secureAggregation,
            Long maxSiteExamples,
            StrategyOptions strategyOptions) {
        this(
                name,
                model,
                plan,
                dataset,
                rounds,
                minSites,
                roundTimeoutSeconds,
                maxRetries,
                strategy,
                privacy,
                secureAggregation,
                maxSiteExamples,
                strategyOptions,
                null);
    }

    /** A spec with the strategy's default options. */
    public StudySpec(
            String name,
            Model model,
            Plan plan,
            Dataset dataset,
            Integer rounds,
            Integer minSites,
            Integer roundTimeoutSeconds,
            Integer maxRetries,
            String strategy,
            Privacy privacy,
            SecureAggregation secureAggregation,
            Long maxSiteExamples) {
        this(
                name,
                model,
                plan,
                dataset,
                rounds,
                minSites,
                roundTimeoutSeconds,
                maxRetries,
                strategy,
                privacy,
                secureAggregation,
                maxSiteExamples,
                null);
    }

    /** Default of {@link #maxSiteExamples}: a large hospital's table, far from any overflow. */
    public static final long DEFAULT_MAX_SITE_EXAMPLES = 1_000_000;
    /**
     * The most {@link #maxSiteExamples} may be: with it, even 2^23 sites cannot overflow the long
     * sum of weights (the sums are overflow-checked anyway).
     */
    public static final long MAX_SITE_EXAMPLES_LIMIT = 1_000_000_000_000L;
    /**
     * δ may be at most this, whatever the unit: beyond it an (ε, δ) statement allows a one-in-a-
     * thousand chance of a full disclosure, which no study of patient data should sign.
     */
    public static final double MAX_DELTA = 1e-3;
    /**
     * δ must be well below 1/n for n units: δ·n ≤ this. For patient-level DP, n is the largest
     * training size a site may declare ({@link #maxSiteExamples}).
     */
    public static final double DELTA_TIMES_UNITS_LIMIT = 0.1;
    /** Longest study name (it is shown, logged and kept in the audit log). */
    public static final int MAX_NAME_CHARS = 200;
    /** Most feature columns a study may declare. */
    public static final int MAX_FEATURES = 10_000;
    /** Most hidden layers of an MLP. */
    public static final int MAX_HIDDEN_LAYERS = 64;

    /** Why a lean coordinator (no DL4J) refuses a study whose model is not a PyTorch module. */
    static final String LEAN_MODEL_PROBLEM = "model: " + org.cohort.learning.Dl4jSupport.lean("coordinator")
            + ", so it runs studies whose model names a PyTorch module (model.module, trained by the sites'"
            + " external trainers) only; a preset, model.configuration or model.keras needs the full coordinator"
            + " (cohort-coordinator-exec.jar)";

    /**
     * A preset ("logistic-regression" or "mlp" with hidden layer sizes), or the ML team's own DL4J
     * configuration, and the seed of the initial parameters.
     *
     * @param configuration a DL4J {@code MultiLayerConfiguration} or {@code ComputationGraphConfiguration}
     *                      in DL4J's own JSON ({@code toJson()}), as a JSON object or as a string holding
     *                      it; with it, {@code preset} is absent or "custom" (see {@link ModelChecks})
     * @param keras         instead of {@code configuration}: a Keras 2 HDF5 model file ({@code model.save("m.h5")})
     *                      in base64; its architecture becomes the DL4J configuration and its weights the
     *                      initial parameters
     * @param module        instead of a DL4J model: a PyTorch module every site holds as a file, trained by the
     *                      sites' external trainers (see {@link ModuleModelSpec}); {@code seed} seeds its LoRA
     *                      adapters' start
     * @param freeze        transfer learning: layers of the supplied model (Keras layer names, which become the
     *                      DL4J layer names, or indices from 0) that keep the supplied weights; only the other
     *                      parameters train and travel (see {@link FreezeChecks}). Absent or empty: all train
     */
    public record Model(
            String preset,
            List<Integer> hidden,
            Long seed,
            tools.jackson.databind.JsonNode configuration,
            String keras,
            ModuleModelSpec module,
            List<String> freeze) {
        /** The preset used when a study names the model by its own configuration. */
        public static final String CUSTOM = "custom";
        /** The preset of a study that names a PyTorch module. */
        public static final String MODULE = "module";

        public Model(
                String preset,
                List<Integer> hidden,
                Long seed,
                tools.jackson.databind.JsonNode configuration,
                String keras) {
            this(preset, hidden, seed, configuration, keras, null, null);
        }

        public Model(
                String preset,
                List<Integer> hidden,
                Long seed,
                tools.jackson.databind.JsonNode configuration,
                String keras,
                ModuleModelSpec module) {
            this(preset, hidden, seed, configuration, keras, module, null);
        }

        public Model(
                String preset,
                List<Integer> hidden,
                Long seed,
                tools.jackson.databind.JsonNode configuration,
                String keras,
                List<String> freeze) {
            this(preset, hidden, seed, configuration, keras, null, freeze);
        }

        /** Whether the study names a PyTorch module. */
        public boolean hasModule() {
            return module != null;
        }

        /** Whether the study freezes any layer. */
        public boolean freezes() {
            return freeze != null && !freeze.isEmpty();
        }

        public Model(String preset, List<Integer> hidden, Long seed) {
            this(preset, hidden, seed, null);
        }

        public Model(String preset, List<Integer> hidden, Long seed, tools.jackson.databind.JsonNode configuration) {
            this(preset, hidden, seed, configuration, null);
        }

        /** Whether the study carries its own model: a DL4J configuration or a Keras file. */
        public boolean custom() {
            return hasConfiguration() || hasKeras();
        }

        /** Whether {@code configuration} is given. */
        public boolean hasConfiguration() {
            return configuration != null && !configuration.isNull() && !configuration.isMissingNode();
        }

        /** Whether {@code keras} is given. */
        public boolean hasKeras() {
            return keras != null;
        }

        /** The Keras file's bytes; IllegalArgumentException when {@code keras} is not base64. */
        public byte[] kerasBytes() {
            // Bounded before decoding: base64 is 4/3 of the bytes, plus line breaks.
            if (keras.length() > (long) org.cohort.learning.model.KerasImport.MAX_BYTES / 3 * 4 * 2 + 4096) {
                throw new IllegalArgumentException("the Keras file is larger than the limit of "
                        + org.cohort.learning.model.KerasImport.MAX_BYTES + " bytes");
            }
            try {
                // Line breaks (base64 without -w0) are allowed; any other character outside base64 is refused.
                return java.util.Base64.getDecoder().decode(keras.replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not base64; send the Keras HDF5 file's bytes in base64 (e.g."
                        + " base64 -w0 model.h5): " + e.getMessage());
            }
        }

        /** The configuration's JSON text, or null for a preset or a Keras file. */
        public String configurationJson() {
            if (!hasConfiguration()) {
                return null;
            }
            return configuration.isString() ? configuration.asString() : configuration.toString();
        }
    }

    public record Plan(Integer localEpochs, Integer batchSize, String optimizer, Double learningRate, Long seed) {}

    /**
     * @param format       "csv" (header with named columns), "heart-disease" (UCI processed.*.data) or
     *                     "image-folder" (one folder of PNG/JPEG images per class, declared in {@code image})
     * @param positiveAbove label = 1 when the label column exceeds this value
     * @param idColumn     optional patient id column: each site keys its train/test split by it
     * @param testIds      optional published split: the test patients' ids, used as given (needs idColumn);
     *                     for images, {@code <class>/<file name>} of the test images
     * @param task         "classification" (default) or "survival"
     * @param timeColumn   survival: the column with the time to the event or to censoring (never negative)
     * @param eventColumn  survival: the column with 1 (event observed) or 0 (censored); it is the study's label
     *                     column (give either, or both the same)
     * @param cutPoints    survival: the boundaries of the discrete-time model's intervals, in the time column's
     *                     unit, strictly increasing: K - 1 points make K intervals and K model outputs. Public
     *                     study parameters, chosen before looking at any site's data
     * @param image        for "image-folder" only: the images' declared shape, classes and preprocessing
     * @param labelRange   regression: {@code [min, max]}, the range the numeric label column is declared to
     *                     take (public, chosen before looking at any site's data); labels are scaled to [0, 1]
     *                     by it and errors clamped to it, which bounds one patient's effect on the released
     *                     error sums
     * @param scoreBins    binary classification: equal-width bins of the held-out score histogram, even, 2 to
     *                     100 (default {@value org.cohort.protocol.ScoreHistogram#BINS} in clear,
     *                     {@value org.cohort.protocol.ScoreHistogram#DP_BINS} under DP, where every bin is a
     *                     noised count)
     */
    public record Dataset(
            String format,
            List<Feature> features,
            String labelColumn,
            Double positiveAbove,
            Double testFraction,
            Long splitSeed,
            String idColumn,
            List<String> testIds,
            String task,
            String timeColumn,
            String eventColumn,
            List<Double> cutPoints,
            Image image,
            Table table,
            List<Double> labelRange,
            Integer scoreBins) {
        /** The task word of a survival study. */
        public static final String SURVIVAL = "survival";
        /** The task word of a regression study. */
        public static final String REGRESSION = "regression";

        /** A dataset of any task but regression. */
        public Dataset(
                String format,
                List<Feature> features,
                String labelColumn,
                Double positiveAbove,
                Double testFraction,
                Long splitSeed,
                String idColumn,
                List<String> testIds,
                String task,
                String timeColumn,
                String eventColumn,
                List<Double> cutPoints,
                Image image,
                Table table) {
            this(
                    format,
                    features,
                    labelColumn,
                    positiveAbove,
                    testFraction,
                    splitSeed,
                    idColumn,
                    testIds,
                    task,
                    timeColumn,
                    eventColumn,
                    cutPoints,
                    image,
                    table,
                    null,
                    null);
        }
        /** The task word of a classification study, the default. */
        public static final String CLASSIFICATION = "classification";
        /** The format word of image folders. */
        public static final String IMAGE_FOLDER = "image-folder";

        public Dataset(
                String format,
                List<Feature> features,
                String labelColumn,
                Double positiveAbove,
                Double testFraction,
                Long splitSeed,
                String idColumn,
                List<String> testIds) {
            this(
                    format,
                    features,
                    labelColumn,
                    positiveAbove,
                    testFraction,
                    splitSeed,
                    idColumn,
                    testIds,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        /** A survival or classification table (no image declaration). */
        public Dataset(
                String format,
                List<Feature> features,
                String labelColumn,
                Double positiveAbove,
                Double testFraction,
                Long splitSeed,
                String idColumn,
                List<String> testIds,
                String task,
                String timeColumn,
                String eventColumn,
                List<Double> cutPoints) {
            this(
                    format,
                    features,
                    labelColumn,
                    positiveAbove,
                    testFraction,
                    splitSeed,
                    idColumn,
                    testIds,
                    task,
                    timeColumn,
                    eventColumn,
                    cutPoints,
                    null);
        }

        /** Image folders (classification). */
        public Dataset(
                String format,
                List<Feature> features,
                String labelColumn,
                Double positiveAbove,
                Double testFraction,
                Long splitSeed,
                String idColumn,
                List<String> testIds,
                Image image) {
            this(
                    format,
                    features,
                    labelColumn,
                    positiveAbove,
                    testFraction,
                    splitSeed,
                    idColumn,
                    testIds,
                    null,
                    null,
                    null,
                    null,
                    image);
        }

        /** A dataset whose table, if any, is written in the default format. */
        public Dataset(
                String format,
                List<Feature> features,
                String labelColumn,
                Double positiveAbove,
                Double testFraction,
                Long splitSeed,
                String idColumn,
                List<String> testIds,
                String task,
                String timeColumn,
                String eventColumn,
                List<Double> cutPoints,
                Image image) {
            this(
                    format,
                    features,
                    labelColumn,
                    positiveAbove,
                    testFraction,
                    splitSeed,
                    idColumn,
                    testIds,
                    task,
                    timeColumn,
                    eventColumn,
                    cutPoints,
                    image,
                    null);
        }

        /** Whether the study is a survival study. */
        public boolean survival() {
            return SURVIVAL.equals(task);
        }

        /** Whether the study is a binary classification, whose evaluation is a score histogram. */
        public boolean binary() {
            return (task == null || CLASSIFICATION.equals(task)) && numClasses() == 2;
        }

        /** Whether the study is a regression study (a numeric label in a declared range). */
        public boolean regression() {
            return REGRESSION.equals(task);
        }

        /** A regression study's declared label range; null for other tasks or a range not yet checked. */
        public org.cohort.learning.data.RegressionTarget regressionTarget() {
            return regression() && org.cohort.learning.data.RegressionTarget.rangeProblem(labelRange) == null
                    ? new org.cohort.learning.data.RegressionTarget(labelRange.get(0), labelRange.get(1))
                    : null;
        }

        /** The label column: for a survival study the event column when only that is given. */
        public String label() {
            return labelColumn != null ? labelColumn : survival() ? eventColumn : null;
        }

        /** Whether the sites' data are image folders. */
        public boolean images() {
            return IMAGE_FOLDER.equals(format);
        }

        /**
         * The classes the model predicts: the declared image classes, else 2 (a binary label: above
         * {@code positiveAbove} or not).
         */
        public int numClasses() {
            return images()
                            && image != null
                            && image.classes() != null
                            && image.classes().size() >= 2
                    ? image.classes().size()
                    : 2;
        }

        /** Outputs of the model: the intervals of a survival study, one value for regression, else the classes. */
        public int modelOutputs() {
            return survival() && cutPoints != null ? cutPoints.size() + 1 : regression() ? 1 : numClasses();
        }

        public Dataset(
                String format,
                List<Feature> features,
                String labelColumn,
                Double positiveAbove,
                Double testFraction,
                Long splitSeed) {
            this(format, features, labelColumn, positiveAbove, testFraction, splitSeed, null, null);
        }
    }

    /**
     * Images, one folder per class (see {@code org.cohort.learning.data.ImageFormat}): each image is
     * brought to {@code height × width} ({@code resize} "none": refused otherwise; "stretch":
     * bilinear), each channel scaled to [0, 1] then {@code (value - mean) / std}, with constants the
     * study declares (defaults 0 and 1), never statistics of a site's images.
     *
     * @param patientIdSeparator absent: each image is its own patient; else one of {@code _ - . +} or
     *     a space, and the patient id is a file name up to its first one (see
     *     {@code org.cohort.learning.data.ImagePatients})
     */
    public record Image(
            Integer height,
            Integer width,
            Integer channels,
            List<String> classes,
            String resize,
            List<Double> mean,
            List<Double> std,
            String patientIdSeparator) {
        public Image(
                Integer height,
                Integer width,
                Integer channels,
                List<String> classes,
                String resize,
                List<Double> mean,
                List<Double> std) {
            this(height, width, channels, classes, resize, mean, std, null);
        }

        /** Values per image: the model's inputs (0 when the declaration is incomplete). */
        public long values() {
            return height == null || width == null || channels == null ? 0 : (long) height * width * channels;
        }

        Image withDefaults() {
            int c = channels == null ? 1 : channels;
            return new Image(
                    height,
                    width,
                    c,
                    classes,
                    resize == null ? "none" : resize,
                    mean == null ? java.util.Collections.nCopies(c, 0.0) : mean,
                    std == null ? java.util.Collections.nCopies(c, 1.0) : std,
                    patientIdSeparator);
        }
    }

    /**
     * How the sites' table files are written ({@code dataset.format} "csv"), the same at every site;
     * absent: commas, double quotes, a header row, and "" or "?" for a value not recorded.
     *
     * @param delimiter "," ";" "\t" (a tab) or "|"
     * @param quote     the quote character ('"' or "'"); an empty string: values are never quoted
     * @param columns   the column names, in order, of files without a header row
     * @param missing   cells that mean "not recorded", compared after trimming
     */
    public record Table(String delimiter, String quote, List<String> columns, List<String> missing) {}

    /** Numeric (optionally with declared centre/scale) or categorical (levels, one-hot). */
    public record Feature(String name, Double center, Double scale, List<String> levels) {
        public boolean categorical() {
            return levels != null && !levels.isEmpty();
        }
    }

    /**
     * Differential privacy. Every ε is per unit: {@code patient} (record-level DP-SGD at each
     * site: each site's own accountant counts its own steps) or {@code site} (DP-FedAvg: each
     * site clips its whole update to {@code clipNorm}; the sum carries Gaussian noise of standard
     * deviation noiseMultiplier·clipNorm, added by the coordinator, or with secure aggregation by
     * the sites themselves inside the ring, so the coordinator never sees an un-noised sum).
     *
     * @param mode             none, patient or site (the words "none", "patient", "site" in JSON)
     * @param clipNorm         L2 bound C (per example for patient, per update for site)
     * @param noiseMultiplier  σ / C
     * @param delta            δ of every (ε, δ) statement
     * @param epsilonBudget    the study's ε budget per unit at δ; rounds that would exceed it are refused
     * @param accountant       RDP (default; "rdp" in JSON) or PLD ("pld")
     * @param expectedBatchSize patient mode: expected Poisson batch size at each site (q = batch / site rows)
     * @param calibrateAtSites patient mode: each site uses the smallest noise multiplier, at least
     *                         {@code noiseMultiplier}, that ends the study's rounds within the budget
     *                         on its own data (a large site needs far less noise than a small one
     *                         for the same ε); false: every site uses {@code noiseMultiplier}
     * @param evaluationNoiseMultiplier patient mode: σ of the discrete Gaussian noise on each count of the
     *                         confusion matrix each site releases in the final evaluation, charged to the
     *                         same budget (0: no evaluation is released). Default: the σ with which that
     *                         release alone costs {@value #DEFAULT_EVALUATION_SHARE} of the budget
     */
    public record Privacy(
            @JsonDeserialize(using = PrivacyWordsJson.ModeReader.class)
            @JsonSerialize(using = PrivacyWordsJson.ModeWriter.class)
            PrivacyMode mode,

            Double clipNorm,
            Double noiseMultiplier,
            Double delta,
            Double epsilonBudget,

            @JsonDeserialize(using = PrivacyWordsJson.AccountantReader.class)
            @JsonSerialize(using = PrivacyWordsJson.AccountantWriter.class)
            Accountant accountant,

            Integer expectedBatchSize,
            Boolean calibrateAtSites,
            Double evaluationNoiseMultiplier) {
        public static final Privacy NONE =
                new Privacy(PrivacyMode.PRIVACY_MODE_NONE, null, null, null, null, null, null, false);
        /** The share of the ε budget the default evaluation noise lets the final evaluation cost on its own. */
        public static final double DEFAULT_EVALUATION_SHARE = 0.25;

        public Privacy(
                PrivacyMode mode,
                Double clipNorm,
                Double noiseMultiplier,
                Double delta,
                Double epsilonBudget,
                Accountant accountant,
                Integer expectedBatchSize,
                Boolean calibrateAtSites) {
            this(
                    mode,
                    clipNorm,
                    noiseMultiplier,
                    delta,
                    epsilonBudget,
                    accountant,
                    expectedBatchSize,
                    calibrateAtSites,
                    null);
        }

        /** The evaluation noise multiplier: 0 (none released) outside patient mode or when not set. */
        public double evaluationNoise() {
            return patientLevel() && evaluationNoiseMultiplier != null ? evaluationNoiseMultiplier : 0;
        }

        /**
         * These settings with the evaluation noise fixed: as given, else the default (see the record).
         * Fixed once, when the study is created, so its terms never move with a later default.
         */
        Privacy withEvaluationNoise() {
            if (!patientLevel()
                    || evaluationNoiseMultiplier != null
                    || epsilonBudget == null
                    || !(epsilonBudget > 0)
                    || delta == null) {
                return this;
            }
            return withEvaluationNoiseMultiplier(defaultEvaluationNoise());
        }

        /**
         * These settings releasing no evaluation: a survival study's C-index rests on pairs of patients,
         * one patient can change up to n - 1 of them, and noise on that scale would drown the figure (see
         * {@link SurvivalChecks}).
         */
        Privacy withoutEvaluationRelease() {
            return withEvaluationNoiseMultiplier(0.0);
        }

        private Privacy withEvaluationNoiseMultiplier(double sigma) {
            return new Privacy(
                    mode,
                    clipNorm,
                    noiseMultiplier,
                    delta,
                    epsilonBudget,
                    accountant,
                    expectedBatchSize,
                    calibrateAtSites,
                    sigma);
        }

        private double defaultEvaluationNoise() {
            return NoiseCalibration.noiseMultiplier(
                    z -> List.of(new PrivacyEvent.SampledGaussian(1.0, z, 1)),
                    DEFAULT_EVALUATION_SHARE * epsilonBudget,
                    delta,
                    accountantKind());
        }

        /** Whether sites calibrate their own σ (with {@link #noiseMultiplier} as the floor). */
        public boolean sitesCalibrate() {
            return patientLevel() && Boolean.TRUE.equals(calibrateAtSites);
        }

        /** Whether the study is differentially private at all (patient or site level). */
        public boolean enabled() {
            return PrivacyWords.isPrivate(mode);
        }

        /** Record-level DP-SGD at each site: every ε is per patient. */
        public boolean patientLevel() {
            return mode == PrivacyMode.PRIVACY_MODE_PATIENT;
        }

        /** DP-FedAvg: every ε is per site, the noise is on the sum. */
        public boolean siteLevel() {
            return mode == PrivacyMode.PRIVACY_MODE_SITE;
        }

        /** The unit every ε of the study is per; null without DP. */
        public Unit unit() {
            return PrivacyWords.unitOf(mode == null ? PrivacyMode.PRIVACY_MODE_NONE : mode);
        }

        /** The accounting method of every ε of the study (RDP unless PLD is asked for). */
        public AccountantKind accountantKind() {
            return PrivacyWords.kind(accountant == null ? Accountant.ACCOUNTANT_RDP : accountant);
        }
    }

    /**
     * Secure aggregation (SecAgg+). The coordinator relays keys and encrypted shares and learns
     * only the sum of the updates of the sites that survive the round, unless at least
     * {@code threshold} sites collude with it. Sites enter the sum with equal weight (the
     * coordinator cannot see individual example counts).
     *
     * @param enabled   on or off; never silently off when asked for
     * @param threshold Shamir threshold t (default: the smallest safe one for the degree)
     * @param degree    neighbours per site k (default min(n-1, 4⌈log2 n⌉))
     * @param clipRange each update coordinate is clipped to [-clipRange, clipRange] before quantization
     * @param stageTimeoutSeconds deadline of each key-exchange and unmasking stage
     * @param ringBits  32 (default) or 16: the ring the masked inputs travel in (2 bytes per value at
     *                  16), where the round's site count allows it; see {@link RingWidth}
     * @param maxUpdateNorm an L2 bound every honest site's agent enforces on its whole update by
     *     clipping it before quantizing and masking (recorded in its ledger); absent: none beyond the
     *     coordinate clip. The coordinator cannot verify it on a masked sum: a hostile site can skip
     *     it, and then only the ring's range bounds its contribution (see the README)
     */
    public record SecureAggregation(
            Boolean enabled,
            Integer threshold,
            Integer degree,
            Double clipRange,
            Integer stageTimeoutSeconds,
            Integer ringBits,
            Double maxUpdateNorm) {
        public static final SecureAggregation OFF = new SecureAggregation(false, null, null, null, null);

        /** Settings in the 32-bit ring, without an L2 bound on the updates. */
        public SecureAggregation(
                Boolean enabled, Integer threshold, Integer degree, Double clipRange, Integer stageTimeoutSeconds) {
            this(enabled, threshold, degree, clipRange, stageTimeoutSeconds, null, null);
        }

        /** Settings in the given ring, without an L2 bound on the updates. */
        public SecureAggregation(
                Boolean enabled,
                Integer threshold,
                Integer degree,
                Double clipRange,
                Integer stageTimeoutSeconds,
                Integer ringBits) {
            this(enabled, threshold, degree, clipRange, stageTimeoutSeconds, ringBits, null);
        }

        /** Settings in the 32-bit ring with an L2 bound on the updates. */
        public SecureAggregation(
                Boolean enabled,
                Integer threshold,
                Integer degree,
                Double clipRange,
                Integer stageTimeoutSeconds,
                Double maxUpdateNorm) {
            this(enabled, threshold, degree, clipRange, stageTimeoutSeconds, null, maxUpdateNorm);
        }

        public boolean on() {
            return Boolean.TRUE.equals(enabled);
        }
    }

    /**
     * How many model-sized vectors a training upload of this study carries: 2 for SCAFFOLD (Δy then
     * Δc), else 1. An unknown strategy counts 1: it is refused at creation, and a stored one fails
     * its round at aggregation, not when tasks go out or uploads arrive.
     */
    public int uploadVectors() {
        try {
            return org.cohort.coordinator.aggregation.Strategy.named(strategy, strategyOptions)
                    .uploadVectors();
        } catch (IllegalArgumentException unknownStrategy) {
            return 1;
        }
    }

    public StudySpec withDefaults() {
        Model m = model == null
                ? new Model("logistic-regression", List.of(), 42L)
                : new Model(
                        or(
                                model.preset(),
                                model.hasModule()
                                        ? Model.MODULE
                                        : model.custom() ? Model.CUSTOM : "logistic-regression"),
                        model.hidden() == null ? List.of() : model.hidden(),
                        or(model.seed(), 42L),
                        model.hasConfiguration() ? model.configuration() : null,
                        model.keras(),
                        model.module(),
                        model.freezes() ? model.freeze() : null);
        Plan p = plan == null ? new Plan(null, null, null, null, null) : plan;
        p = new Plan(
                or(p.localEpochs(), 2),
                or(p.batchSize(), 32),
                or(p.optimizer(), "adam"),
                or(p.learningRate(), 0.01),
                or(p.seed(), 7L));
        Dataset d = dataset == null
                ? null
                : new Dataset(
                        or(dataset.format(), "csv"),
                        dataset.features(),
                        dataset.label(),
                        or(dataset.positiveAbove(), 0.5),
                        or(dataset.testFraction(), 0.25),
                        or(dataset.splitSeed(), 1L),
                        dataset.idColumn(),
                        or(dataset.testIds(), List.of()),
                        or(dataset.task(), Dataset.CLASSIFICATION),
                        dataset.timeColumn(),
                        dataset.survival() ? dataset.label() : dataset.eventColumn(),
                        dataset.cutPoints(),
                        dataset.image() == null ? null : dataset.image().withDefaults(),
                        dataset.table(),
                        dataset.labelRange(),
                        dataset.binary()
                                ? or(
                                        dataset.scoreBins(),
                                        privacy != null && privacy.enabled()
                                                ? org.cohort.protocol.ScoreHistogram.DP_BINS
                                                : org.cohort.protocol.ScoreHistogram.BINS)
                                : dataset.scoreBins());
        Privacy dp = privacy == null || !privacy.enabled()
                ? Privacy.NONE
                : new Privacy(
                                privacy.mode(),
                                or(privacy.clipNorm(), 1.0),
                                or(privacy.noiseMultiplier(), 1.0),
                                or(privacy.delta(), DEFAULT_DELTA),
                                privacy.epsilonBudget(),
                                or(privacy.accountant(), Accountant.ACCOUNTANT_RDP),
                                or(privacy.expectedBatchSize(), 32),
                                or(privacy.calibrateAtSites(), false),
                                privacy.evaluationNoiseMultiplier())
                        .withEvaluationNoise();
        if (dataset != null && dataset.survival() && dp.patientLevel()) {
            dp = dp.withoutEvaluationRelease();
        }
        return new StudySpec(
                or(name, "study"),
                m,
                p,
                d,
                or(rounds, 10),
                or(minSites, 2),
                or(roundTimeoutSeconds, 600),
                or(maxRetries, 3),
                or(strategy, "fedavg"),
                dp,
                secureAggregation == null || !secureAggregation.on()
                        ? SecureAggregation.OFF
                        : new SecureAggregation(
                                true,
                                secureAggregation.threshold(),
                                secureAggregation.degree(),
                                or(secureAggregation.clipRange(), 4.0),
                                or(secureAggregation.stageTimeoutSeconds(), 60),
                                or(secureAggregation.ringBits(), RingWidth.WIDE),
                                secureAggregation.maxUpdateNorm()),
                siteExamplesLimit(),
                or(strategyOptions, StrategyOptions.NONE).withDefaults(or(strategy, "fedavg")),
                transfer == null ? Transfer.FLOAT32 : transfer.withDefaults());
    }

    /**
     * How a study's plain updates travel to the coordinator and its models to the sites (see
     * {@link org.cohort.protocol.transfer.TransferEncoding}); checked by {@link TransferChecks}. Under
     * secure aggregation it applies to model downloads only (updates are masked ring elements).
     *
     * @param encoding  "float32" (exact, the default), "float16" (half the bytes) or "int8" (block-wise,
     *                  one float32 scale per block: 1/4 + 1/blockSize of the bytes)
     * @param blockSize int8 only: values per scale, a power of two from 16 to 65536 (default 256)
     */
    public record Transfer(String encoding, Integer blockSize) {
        public static final Transfer FLOAT32 = new Transfer("float32", null);

        Transfer withDefaults() {
            String word = encoding == null ? "float32" : encoding.toLowerCase(java.util.Locale.ROOT);
            return new Transfer(
                    word,
                    word.equals("int8")
                            ? or(blockSize, org.cohort.protocol.transfer.TransferEncoding.Int8Blocks.DEFAULT_BLOCK)
                            : null);
        }

        /** The codec of a spec after {@link StudySpec#withDefaults()} (null: float32). */
        public static org.cohort.protocol.transfer.TransferEncoding of(Transfer t) {
            if (t == null) {
                return org.cohort.protocol.transfer.TransferEncoding.Float32.INSTANCE;
            }
            Transfer d = t.withDefaults();
            return org.cohort.protocol.transfer.TransferEncoding.parse(d.encoding(), or(d.blockSize(), 0));
        }
    }

    /**
     * The largest training size a site may declare: {@link #maxSiteExamples} as set, else its
     * default — for patient-level DP the largest n with δ·n ≤ {@value #DELTA_TIMES_UNITS_LIMIT}
     * (capped at {@value #DEFAULT_MAX_SITE_EXAMPLES}), so the default δ stays well below 1/n.
     */
    public long siteExamplesLimit() {
        if (maxSiteExamples != null) {
            return maxSiteExamples;
        }
        if (privacy != null && privacy.patientLevel()) {
            double delta = privacy.delta() == null ? DEFAULT_DELTA : privacy.delta();
            if (delta > 0 && Double.isFinite(delta)) {
                return Math.max(
                        1, Math.min(DEFAULT_MAX_SITE_EXAMPLES, (long) Math.floor(DELTA_TIMES_UNITS_LIMIT / delta)));
            }
        }
        return DEFAULT_MAX_SITE_EXAMPLES;
    }

    /** δ when a DP study does not set one. */
    public static final double DEFAULT_DELTA = 1e-5;

    /** Throws with every problem listed, in words the ML team can act on. */
    public StudySpec validate() {
        var problems = new java.util.ArrayList<String>();
        if (name != null && name.length() > MAX_NAME_CHARS) {
            problems.add("name must be at most " + MAX_NAME_CHARS + " characters, got " + name.length());
        }
        if (dataset != null) {
            problems.addAll(TableChecks.problems(dataset));
        }
        if (dataset != null && dataset.images()) {
            problems.addAll(ImageChecks.problems(dataset));
        } else if (dataset == null
                || dataset.features() == null
                || dataset.features().isEmpty()) {
            problems.add("dataset.features must list the feature columns sites train on");
        } else if (dataset.features().size() > MAX_FEATURES) {
            problems.add("dataset.features may list at most " + MAX_FEATURES + " columns, got "
                    + dataset.features().size());
        } else {
            for (Feature f : dataset.features()) {
                if (f == null || f.name() == null || f.name().isBlank()) {
                    problems.add("every dataset.features entry must have a name");
                    break;
                }
                if (f.center() != null && !Double.isFinite(f.center())
                        || f.scale() != null && !(f.scale() > 0 && Double.isFinite(f.scale()))) {
                    problems.add("dataset.features '" + f.name() + "': center must be finite and scale finite and"
                            + " positive");
                }
            }
        }
        if (dataset != null
                && !dataset.images()
                && (dataset.label() == null || dataset.label().isBlank())) {
            problems.add(
                    dataset.survival()
                            ? "dataset.eventColumn must name the event column (1 = event observed, 0 = censored)"
                            : "dataset.labelColumn must name the label column");
        }
        if (dataset != null
                && dataset.format() != null
                && !List.of("csv", "heart-disease", Dataset.IMAGE_FOLDER).contains(dataset.format())) {
            problems.add("dataset.format must be 'csv', 'heart-disease' or '" + Dataset.IMAGE_FOLDER + "', got '"
                    + dataset.format() + "'");
        }
        if (dataset != null
                && dataset.testFraction() != null
                && !(dataset.testFraction() > 0 && dataset.testFraction() < 1)) {
            problems.add("dataset.testFraction must be between 0 and 1 (exclusive)");
        }
        if (dataset != null && dataset.positiveAbove() != null && !Double.isFinite(dataset.positiveAbove())) {
            problems.add("dataset.positiveAbove must be a finite number");
        }
        problems.addAll(DatasetChecks.problems(dataset, privacy));
        problems.addAll(SurvivalChecks.problems(this));
        problems.addAll(RegressionChecks.problems(this));
        problems.addAll(RegressionChecks.scoreBinsProblems(dataset));
        if (model != null && model.hasModule()) {
            problems.addAll(ModuleChecks.problems(this));
        } else if (!org.cohort.learning.Dl4jSupport.present()) {
            problems.add(LEAN_MODEL_PROBLEM);
        } else if (model != null && model.custom()) {
            problems.addAll(ModelChecks.problems(this));
        } else if (model != null && !List.of("logistic-regression", "mlp").contains(model.preset())) {
            problems.add("model.preset must be 'logistic-regression' or 'mlp' (or give model.configuration, a DL4J"
                    + " configuration JSON, or model.module, a PyTorch module), got '" + model.preset() + "'");
        }
        if (model != null && model.hidden() != null) {
            if (model.hidden().size() > MAX_HIDDEN_LAYERS) {
                problems.add("model.hidden may have at most " + MAX_HIDDEN_LAYERS + " layers, got "
                        + model.hidden().size());
            } else if (model.hidden().stream().anyMatch(w -> w == null || w < 1)) {
                problems.add("model.hidden layer widths must be at least 1, got " + model.hidden());
            }
        }
        if (rounds != null && (rounds < 1 || rounds > 100_000)) {
            problems.add("rounds must be between 1 and 100000");
        }
        if (minSites != null && minSites < 1) {
            problems.add("minSites must be at least 1");
        }
        if (roundTimeoutSeconds != null && roundTimeoutSeconds < 1) {
            problems.add("roundTimeoutSeconds must be at least 1");
        }
        if (maxRetries != null && maxRetries < 0) {
            problems.add("maxRetries must be 0 or more");
        }
        if (plan != null) {
            if (plan.localEpochs() != null && plan.localEpochs() < 1)
                problems.add("plan.localEpochs must be at least 1");
            if (plan.batchSize() != null && plan.batchSize() < 1) problems.add("plan.batchSize must be at least 1");
            if (plan.learningRate() != null && !(plan.learningRate() > 0 && Double.isFinite(plan.learningRate()))) {
                problems.add("plan.learningRate must be a finite positive number");
            }
        }
        problems.addAll(PrivacySpecChecks.problems(this));
        problems.addAll(RunnableChecks.problems(this));
        problems.addAll(StrategyChecks.problems(strategy, minSites, strategyOptions));
        problems.addAll(TransferChecks.problems(this));
        problems.addAll(FreezeChecks.problems(this));
        problems.addAll(RingWidth.problems(this));
        if (maxSiteExamples != null && (maxSiteExamples < 1 || maxSiteExamples > MAX_SITE_EXAMPLES_LIMIT)) {
            problems.add("maxSiteExamples (the largest training size a site may declare) must be between 1 and "
                    + MAX_SITE_EXAMPLES_LIMIT + ", got " + maxSiteExamples);
        }
        if (!problems.isEmpty()) {
            throw new InvalidStudyException(problems);
        }
        return this;
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
