package org.cohort.simulation;

import java.nio.file.Path;

/** Command-line options of the demo, with defaults that run on a laptop in about a minute. */
record DemoOptions(String dataset, Path dataDir, int sites, int rounds, String model, Path workDir, String privacy,
                   double epsilon, boolean secureAggregation, boolean help) {

    static final String USAGE = """
            usage: ./demo.sh [options]
              --dataset synthetic|heart-disease   data to train on (default synthetic)
              --data-dir DIR                      folder with processed.<centre>.data files (heart-disease)
              --sites N                           synthetic hospitals, 2..16 (default 3; heart-disease uses its 4 centres)
              --rounds R                          federated rounds (default 10)
              --model logistic-regression|mlp     model preset (default logistic-regression)
              --work-dir DIR                      where logs, models and the summary go (default ./cohort-demo)
              --privacy patient|site|none         differential privacy (default patient: DP-SGD at every site)
              --epsilon E                         each site's ε budget for the whole study at δ = 1e-5 (default 1)
              --no-secure-aggregation             send updates in the clear (default: SecAgg+, the coordinator
                                                  learns only the sum; needs at least 3 sites)
            """;

    static DemoOptions parse(String[] args) {
        String dataset = "synthetic";
        Path dataDir = null;
        int sites = 3;
        int rounds = 10;
        String model = "logistic-regression";
        Path work = Path.of("cohort-demo");
        boolean help = false;
        String privacy = "patient";
        double epsilon = 1.0;
        boolean secure = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--dataset" -> dataset = value(args, ++i, a);
                case "--data-dir" -> dataDir = Path.of(value(args, ++i, a));
                case "--sites" -> sites = number(value(args, ++i, a), a, 2, 16);
                case "--rounds" -> rounds = number(value(args, ++i, a), a, 1, 1000);
                case "--model" -> model = value(args, ++i, a);
                case "--work-dir" -> work = Path.of(value(args, ++i, a));
                case "--privacy" -> privacy = value(args, ++i, a);
                case "--epsilon" -> epsilon = positive(value(args, ++i, a), a);
                case "--no-secure-aggregation" -> secure = false;
                case "--secure-aggregation" -> secure = true;
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (!dataset.equals("synthetic") && !dataset.equals("heart-disease")) {
            throw new IllegalArgumentException("--dataset must be synthetic or heart-disease");
        }
        if (!model.equals("logistic-regression") && !model.equals("mlp")) {
            throw new IllegalArgumentException("--model must be logistic-regression or mlp");
        }
        if (!java.util.List.of("patient", "site", "none").contains(privacy)) {
            throw new IllegalArgumentException("--privacy must be patient, site or none");
        }
        if (dataset.equals("heart-disease")) {
            if (dataDir == null) {
                Path shared = Path.of("..", "shared", "datasets", "fed-heart-disease");
                if (!java.nio.file.Files.isDirectory(shared)) {
                    throw new IllegalArgumentException("--dataset heart-disease needs --data-dir DIR with the"
                            + " processed.<centre>.data files");
                }
                dataDir = shared;
            }
            sites = 4;
        }
        if (secure && sites < 3) {
            throw new IllegalArgumentException("secure aggregation needs at least 3 sites (with 2, each learns the"
                    + " other's update from the sum): use --sites 3 or more, or --no-secure-aggregation");
        }
        return new DemoOptions(dataset, dataDir, sites, rounds, model, work, privacy, epsilon, secure, help);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static double positive(String v, String option) {
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException(option + " must be a positive number");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, got '" + v + "'");
        }
    }

    private static int number(String v, String option, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a whole number, got '" + v + "'");
        }
    }
}
