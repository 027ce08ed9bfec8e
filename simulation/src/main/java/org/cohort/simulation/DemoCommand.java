package org.cohort.simulation;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./demo.sh [options]}: the demo's command line, read by picocli into {@link DemoOptions}
 * (whose builder checks the values) and run by {@link Quickstart}. A value the builder refuses is
 * a usage error: its message and this help on stderr, exit code 2.
 */
@Command(
        name = "./demo.sh",
        mixinStandardHelpOptions = true,
        description = "Runs the Cohort demo: a coordinator and several hospital agents as separate processes on"
                + " loopback, real enrollment, mutual TLS and Deeplearning4j training, FedAvg rounds with differential"
                + " privacy and secure aggregation, then a comparison with central and single-site training;"
                + " with --strategy A,B,... one such run per strategy and a table comparing them.")
final class DemoCommand implements Callable<Integer> {
    /** A federation of one is no demo of federated learning. */
    private static final int MIN_SITES = 2;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--dataset",
            paramLabel = "synthetic|heart-disease|tcga-brca",
            defaultValue = DemoOptions.DEFAULT_DATASET,
            description = "data to train on (default ${DEFAULT-VALUE})")
    private String dataset;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = {
                "folder with processed.<centre>.data files (heart-disease;",
                "default " + DemoOptions.SHARED_HEART_DISEASE + ") or brca.csv and",
                "train_test_split.csv (tcga-brca; default " + DemoOptions.SHARED_TCGA_BRCA + ")"
            })
    private Path dataDir;

    @Option(
            names = "--sites",
            paramLabel = "N",
            defaultValue = "" + DemoOptions.DEFAULT_SITES,
            description = "synthetic hospitals, " + MIN_SITES + ".." + DemoOptions.MAX_SITES
                    + " (default ${DEFAULT-VALUE}; heart-disease uses its 4 centres, tcga-brca its 6 regions)")
    private int sites;

    @Option(
            names = "--rounds",
            paramLabel = "R",
            defaultValue = "" + DemoOptions.DEFAULT_ROUNDS,
            description = "federated rounds (default ${DEFAULT-VALUE})")
    private int rounds;

    @Option(
            names = "--model",
            paramLabel = "logistic-regression|mlp",
            defaultValue = DemoOptions.DEFAULT_MODEL,
            description = "model preset (default ${DEFAULT-VALUE})")
    private String model;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            defaultValue = DemoOptions.DEFAULT_WORK_DIR,
            description = "where logs, models and the summary go (default ./${DEFAULT-VALUE})")
    private Path workDir;

    @Option(
            names = "--privacy",
            paramLabel = "patient|site|none",
            defaultValue = DemoOptions.DEFAULT_PRIVACY,
            description = "differential privacy (default ${DEFAULT-VALUE}: DP-SGD at every site)")
    private String privacy;

    @Option(
            names = "--epsilon",
            paramLabel = "E",
            defaultValue = "" + DemoOptions.DEFAULT_EPSILON,
            description = "each site's ε budget for the whole study at δ = 1e-5 (default ${DEFAULT-VALUE})")
    private double epsilon;

    @Option(
            names = "--secure-aggregation",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = {
                "--no-secure-aggregation sends updates in the clear (default: SecAgg+,",
                "the coordinator learns only the sum; needs at least 3 sites)"
            })
    private boolean secureAggregation;

    @Option(
            names = "--trainer",
            paramLabel = "dl4j|pytorch",
            defaultValue = DemoOptions.DEFAULT_TRAINER,
            description = {
                "who trains at each site (default ${DEFAULT-VALUE}, in the agent's process); pytorch runs",
                "trainers/pytorch/cohort_torch_worker.py as each agent's external trainer (needs python3 with torch,",
                "grpcio and protobuf, and protoc)"
            })
    private String trainer;

    @Option(
            names = "--strategy",
            paramLabel = "NAME[,NAME...]",
            description = {
                "aggregation strategy as studies name it: fedavg (default), fedprox,",
                "fedadam, fedyogi, fedadagrad, median, trimmed-mean, krum, multi-krum,",
                "scaffold, fedbuff.",
                "Several (comma-separated) run one after another on the same data,",
                "split and seeds, then one table compares them (and comparison.json;",
                "each run in WORK-DIR/<strategy>). median, trimmed-mean, krum,",
                "multi-krum and fedbuff need --no-secure-aggregation; krum's f defaults to the",
                "most the sites allow (n > 2f + 2)"
            })
    private String strategy;

    @Option(
            names = "--strategy-option",
            paramLabel = "[STRATEGY.]NAME=VALUE",
            description = {
                "a strategy option as a study's strategyOptions names it, repeatable:",
                "NAME=VALUE goes to every listed strategy that takes it,",
                "STRATEGY.NAME=VALUE to that one only (e.g. fedprox.mu=0.1,",
                "fedadam.serverLearningRate=0.05, multi-krum.m=2)"
            })
    private java.util.Map<String, String> strategyOption;

    @Override
    public Integer call() throws Exception {
        return new Quickstart().run(options());
    }

    /** The options as given, checked by the builder; a refused value is a usage error. */
    DemoOptions options() {
        if (sites < MIN_SITES || sites > DemoOptions.MAX_SITES) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--sites must be between " + MIN_SITES + " and " + DemoOptions.MAX_SITES + ", got " + sites);
        }
        try {
            DemoOptions.Builder b = DemoOptions.builder()
                    .dataset(dataset)
                    .sites(sites)
                    .rounds(rounds)
                    .model(model)
                    .workDir(workDir)
                    .privacy(privacy)
                    .epsilon(epsilon)
                    .secureAggregation(secureAggregation)
                    .trainer(trainer);
            if (dataDir != null) {
                b.dataDir(dataDir);
            }
            if (strategy != null) {
                b.strategies(strategy);
            }
            if (strategyOption != null) {
                strategyOption.forEach(b::strategyOption);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
