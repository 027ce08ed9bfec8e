package org.cohort.simulation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.cohort.coordinator.study.StrategyChecks;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * What one run of the demo does: the data, the federation's size, the model, privacy and secure
 * aggregation. Built only through {@link #builder()}, whose setters refuse a bad value at once and
 * whose {@link Builder#build()} refuses a bad combination, so that every {@code DemoOptions} —
 * from {@code ./demo.sh} ({@link DemoCommand}) or from a test — is one the demo can run. The
 * defaults run on a laptop in about a minute.
 */
final class DemoOptions {
    static final String DEFAULT_DATASET = "synthetic";
    static final int DEFAULT_SITES = 3;
    static final int MAX_SITES = 16;
    static final int DEFAULT_ROUNDS = 10;
    static final int MAX_ROUNDS = 1000;
    static final String DEFAULT_MODEL = "logistic-regression";
    static final String DEFAULT_WORK_DIR = "cohort-demo";
    static final String DEFAULT_PRIVACY = "patient";
    static final double DEFAULT_EPSILON = 1.0;
    static final String DEFAULT_TRAINER = "dl4j";
    /** The four centres of the UCI Heart Disease data, each a site. */
    static final int HEART_DISEASE_SITES = 4;
    /** Where the Heart Disease files are looked for when no data directory is given. */
    static final String SHARED_HEART_DISEASE = "../shared/datasets/fed-heart-disease";
    /** The six regions of TCGA-BRCA, each a site. */
    static final int TCGA_BRCA_SITES = 6;
    /** Where the TCGA-BRCA files are looked for when no data directory is given. */
    static final String SHARED_TCGA_BRCA = "../shared/datasets/fed-tcga-brca";

    private final String dataset;
    private final Path dataDir;
    private final int sites;
    private final int rounds;
    private final String model;
    private final Path workDir;
    private final PrivacyMode privacy;
    private final double epsilon;
    private final boolean secureAggregation;
    private final String trainer;
    /** The strategies to run, in order; empty: no --strategy (the study names none, so fedavg). */
    private final List<String> strategies;
    /** Each strategy's strategyOptions as the study's REST body holds them (numbers as numbers). */
    private final Map<String, Map<String, Object>> strategyOptions;

    private DemoOptions(Builder b, Path dataDir, int sites, Map<String, Map<String, Object>> strategyOptions) {
        this.dataset = b.dataset;
        this.dataDir = dataDir;
        this.sites = sites;
        this.rounds = b.rounds;
        this.model = b.model;
        this.workDir = b.workDir;
        this.privacy = b.privacy;
        this.epsilon = b.epsilon;
        this.secureAggregation = b.secureAggregation;
        this.trainer = b.trainer;
        this.strategies = List.copyOf(b.strategies);
        this.strategyOptions = strategyOptions;
    }

    private DemoOptions(DemoOptions o, List<String> strategies, Path workDir) {
        this.dataset = o.dataset;
        this.dataDir = o.dataDir;
        this.sites = o.sites;
        this.rounds = o.rounds;
        this.model = o.model;
        this.workDir = workDir;
        this.privacy = o.privacy;
        this.epsilon = o.epsilon;
        this.secureAggregation = o.secureAggregation;
        this.trainer = o.trainer;
        this.strategies = List.copyOf(strategies);
        this.strategyOptions = o.strategyOptions;
    }

    /** These options for one run of a comparison: {@code strategy} alone, in {@code workDir}. */
    DemoOptions forStrategy(String strategy, Path workDir) {
        if (!strategies.contains(strategy)) {
            throw new IllegalArgumentException("strategy '" + strategy + "' is not one of " + strategies);
        }
        return new DemoOptions(this, List.of(strategy), workDir);
    }

    /** The strategies given with --strategy, in order, lower case and distinct; empty when none was given. */
    List<String> strategies() {
        return strategies;
    }

    /** Whether this run compares several strategies (one full federation run each). */
    boolean comparison() {
        return strategies.size() > 1;
    }

    /** The one strategy of a single run, or null when none was given (the study then names none: fedavg). */
    String strategy() {
        return strategies.isEmpty() ? null : strategies.getFirst();
    }

    /** The strategyOptions a study running {@code strategy} sends (empty: the strategy's defaults). */
    Map<String, Object> strategyOptions(String strategy) {
        return strategyOptions.getOrDefault(strategy, Map.of());
    }

    /** dl4j (in each agent's process) or pytorch (the reference worker, as each agent's external trainer). */
    String trainer() {
        return trainer;
    }

    static Builder builder() {
        return new Builder();
    }

    /** synthetic, heart-disease or tcga-brca. */
    String dataset() {
        return dataset;
    }

    /** The folder with the processed.&lt;centre&gt;.data files (heart-disease) or brca.csv (tcga-brca), else null. */
    Path dataDir() {
        return dataDir;
    }

    /** Sites of the federation: the synthetic hospitals, or the four Heart Disease centres. */
    int sites() {
        return sites;
    }

    int rounds() {
        return rounds;
    }

    /** logistic-regression or mlp. */
    String model() {
        return model;
    }

    /** Where logs, models and the summary go. */
    Path workDir() {
        return workDir;
    }

    /** patient (DP-SGD at every site), site (DP-FedAvg) or none. */
    PrivacyMode privacy() {
        return privacy;
    }

    /** Each site's ε budget for the whole study, at δ = 1e-5. */
    double epsilon() {
        return epsilon;
    }

    boolean secureAggregation() {
        return secureAggregation;
    }

    /** Starts from the demo's defaults; each setter checks its value, {@link #build()} the combination. */
    static final class Builder {
        private String dataset = DEFAULT_DATASET;
        private Path dataDir;
        private int sites = DEFAULT_SITES;
        private int rounds = DEFAULT_ROUNDS;
        private String model = DEFAULT_MODEL;
        private Path workDir = Path.of(DEFAULT_WORK_DIR);
        private PrivacyMode privacy = PrivacyWords.mode(DEFAULT_PRIVACY);
        private double epsilon = DEFAULT_EPSILON;
        private boolean secureAggregation = true;
        private String trainer = DEFAULT_TRAINER;
        private final List<String> strategies = new ArrayList<>();
        /** --strategy-option as given: "NAME" (every listed strategy that takes it) or "STRATEGY.NAME" → value. */
        private final Map<String, String> strategyOptionsGiven = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The strategies to run, as studies name them (case ignored); several run one after another
         * on the same data, split and seeds, and are compared. An unknown name is refused with the
         * coordinator's words, and so is a name given twice.
         */
        Builder strategies(List<String> names) {
            if (names.isEmpty()) {
                throw new IllegalArgumentException(
                        "--strategy needs at least one name, e.g. --strategy fedavg,fedprox");
            }
            var chosen = new ArrayList<String>();
            for (String raw : names) {
                String name = raw.strip().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("--strategy has an empty name in '" + String.join(",", names)
                            + "': give names separated by commas, e.g. --strategy fedavg,fedprox");
                }
                List<String> refused = StrategyChecks.refusals(name, null, null);
                if (!refused.isEmpty()) {
                    throw new IllegalArgumentException("--strategy: " + String.join("; ", refused));
                }
                if (chosen.contains(name)) {
                    throw new IllegalArgumentException(
                            "--strategy names '" + name + "' twice: each strategy runs once");
                }
                chosen.add(name);
            }
            strategies.clear();
            strategies.addAll(chosen);
            return this;
        }

        /** {@link #strategies(List)} from {@code --strategy}'s comma-separated value. */
        Builder strategies(String commaSeparated) {
            return strategies(List.of(commaSeparated.split(",", -1)));
        }

        /**
         * One strategy option, as a study's strategyOptions names it: {@code NAME} goes to every
         * listed strategy that takes it, {@code STRATEGY.NAME} to that strategy only. The value is
         * checked with the combination in {@link #build()}, by the coordinator's own checks.
         */
        Builder strategyOption(String key, String value) {
            if (key == null || key.isBlank() || value == null || value.isBlank()) {
                throw new IllegalArgumentException(
                        "--strategy-option must be NAME=VALUE or STRATEGY.NAME=VALUE, e.g. fedprox.mu=0.1");
            }
            strategyOptionsGiven.put(key.strip(), value.strip());
            return this;
        }

        Builder trainer(String trainer) {
            this.trainer = oneOf("--trainer", trainer, "dl4j", "pytorch");
            return this;
        }

        Builder dataset(String dataset) {
            this.dataset = oneOf("--dataset", dataset, "synthetic", "heart-disease", "tcga-brca");
            return this;
        }

        /** The Heart Disease files; without it, {@link #SHARED_HEART_DISEASE} is looked for. */
        Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Synthetic hospitals, 1 to {@value #MAX_SITES}; ignored for heart-disease, which has its four centres. */
        Builder sites(int sites) {
            this.sites = between("--sites", sites, 1, MAX_SITES);
            return this;
        }

        Builder rounds(int rounds) {
            this.rounds = between("--rounds", rounds, 1, MAX_ROUNDS);
            return this;
        }

        Builder model(String model) {
            this.model = oneOf("--model", model, "logistic-regression", "mlp");
            return this;
        }

        Builder workDir(Path workDir) {
            this.workDir = Objects.requireNonNull(workDir, "workDir");
            return this;
        }

        Builder privacy(String privacy) {
            try {
                this.privacy = PrivacyWords.mode(privacy);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--privacy must be patient, site or none, got '" + privacy + "'");
            }
            return this;
        }

        Builder epsilon(double epsilon) {
            if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("--epsilon must be a positive number, got " + epsilon);
            }
            this.epsilon = epsilon;
            return this;
        }

        Builder secureAggregation(boolean secureAggregation) {
            this.secureAggregation = secureAggregation;
            return this;
        }

        /**
         * The options, once the combination holds: heart-disease has its data (given, or found
         * in {@link #SHARED_HEART_DISEASE}) and its four sites, tcga-brca its data and its six
         * regions; secure aggregation has three sites.
         */
        DemoOptions build() {
            Path data = dataDir;
            int n = sites;
            if (dataset.equals("heart-disease")) {
                if (data == null) {
                    if (!Files.isDirectory(Path.of(SHARED_HEART_DISEASE))) {
                        throw new IllegalArgumentException("--dataset heart-disease needs --data-dir DIR with the"
                                + " processed.<centre>.data files");
                    }
                    data = Path.of(SHARED_HEART_DISEASE);
                }
                n = HEART_DISEASE_SITES;
            }
            if (dataset.equals("tcga-brca")) {
                if (data == null) {
                    data = org.cohort.learning.data.TcgaBrca.locateDataDirectory()
                            .or(() -> java.util.Optional.of(Path.of(SHARED_TCGA_BRCA))
                                    .filter(Files::isDirectory))
                            .orElseThrow(() -> new IllegalArgumentException("--dataset tcga-brca needs --data-dir DIR"
                                    + " with brca.csv and train_test_split.csv (looked for " + SHARED_TCGA_BRCA + ")"));
                }
                n = TCGA_BRCA_SITES;
            }
            if (secureAggregation && n < 3) {
                throw new IllegalArgumentException("secure aggregation needs at least 3 sites (with 2, each learns the"
                        + " other's update from the sum): use --sites 3 or more, or --no-secure-aggregation");
            }
            return new DemoOptions(this, data, n, DemoStrategies.options(strategies, strategyOptionsGiven, n, this));
        }

        boolean secureAggregationOn() {
            return secureAggregation;
        }

        PrivacyMode privacyMode() {
            return privacy;
        }

        private static String oneOf(String option, String value, String... allowed) {
            if (!List.of(allowed).contains(value)) {
                throw new IllegalArgumentException(option + " must be "
                        + String.join(", ", List.of(allowed).subList(0, allowed.length - 1)) + " or "
                        + allowed[allowed.length - 1] + ", got '" + value + "'");
            }
            return value;
        }

        private static int between(String option, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(
                        option + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        }
    }
}
