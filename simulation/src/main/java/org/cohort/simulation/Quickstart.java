package org.cohort.simulation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.cohort.client.CoordinatorClient;
import org.cohort.client.Studies;
import org.cohort.protocol.PrivacyWords;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The demo: a coordinator and N hospital agents as separate processes on loopback, with
 * real enrollment and mutual TLS, R rounds of FedAvg with Deeplearning4j, a live per-round
 * table, then a comparison with central and single-site training, and a JSON summary.
 */
public final class Quickstart {
    /**
     * How long the coordinator gets to come up and the agents to enroll and connect. A quiet laptop
     * needs under a minute; the limit is generous because a loaded 2-core machine starting seven
     * JVMs at once can take minutes, and a demo that gives up then teaches nothing.
     */
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(300);

    /** {@code ./demo.sh [options]}: see {@link DemoCommand}, or {@code ./demo.sh --help}. */
    public static void main(String[] args) {
        quietLibraries();
        CommandLines.exit(new DemoCommand(), args);
    }

    int run(DemoOptions o) throws Exception {
        if (o.comparison()) {
            return compare(o);
        }
        return runOne(o, null).code();
    }

    /** One run's exit code and what the comparison shows of it. */
    record Outcome(int code, StrategyComparison.Entry entry) {}

    /**
     * {@code --strategy A,B,...}: one full federation run per strategy, each in its own
     * sub-directory, on the same data, the same split (the first run's split secrets, copied) and
     * the same seeds; then one table and {@code comparison.json}. Exit code 0 when every run completed.
     */
    private int compare(DemoOptions o) throws Exception {
        Path root = o.workDir().toAbsolutePath();
        deleteRecursively(root);
        Files.createDirectories(root);
        var out = System.out;
        out.printf(
                "Cohort strategy comparison — %s: one federation run each, same data, split and seeds%n",
                String.join(", ", o.strategies()));
        out.printf("work directory: %s (each run in its own sub-directory)%n", root);
        var entries = new java.util.ArrayList<StrategyComparison.Entry>();
        Path splitSecrets = null;
        Metric metric = null;
        for (int i = 0; i < o.strategies().size(); i++) {
            String s = o.strategies().get(i);
            out.printf(
                    "%n===== strategy %s (%d of %d) =====%n",
                    s, i + 1, o.strategies().size());
            Path dir = root.resolve(s);
            Outcome r;
            try {
                r = runOne(o.forStrategy(s, dir), splitSecrets);
            } catch (Exception e) {
                out.printf("strategy %s failed: %s%n", s, e);
                r = new Outcome(1, StrategyComparison.Entry.failed(s, metric, String.valueOf(e.getMessage())));
            }
            entries.add(r.entry());
            if (r.entry().metric() != null) {
                metric = r.entry().metric();
            }
            if (splitSecrets == null && Files.isDirectory(dir.resolve("agents"))) {
                splitSecrets = dir;
            }
        }
        if (metric == null) {
            metric = o.dataset().equals("tcga-brca") ? Metric.C_INDEX : Metric.ACCURACY;
        }
        var setting = StrategyComparison.setting(o, o.sites());
        out.println();
        StrategyComparison.print(
                out,
                "strategy comparison — " + o.dataset() + ", " + o.sites() + " sites, " + o.rounds() + " rounds, "
                        + o.model()
                        + (PrivacyWords.isPrivate(o.privacy())
                                ? ", " + PrivacyWords.word(o.privacy()) + "-level DP ε≤" + o.epsilon()
                                : ", no DP")
                        + (o.secureAggregation() ? ", SecAgg" : "") + " (" + metric.title + ")",
                metric,
                StrategyComparison.sites(entries),
                entries);
        var json = tools.jackson.databind.json.JsonMapper.builder().build();
        Path file = root.resolve("comparison.json");
        Files.writeString(
                file,
                json.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(StrategyComparison.json(json, setting, metric, entries)));
        out.printf("%ncomparison:   %s (each run's summary.json in %s/<strategy>/)%n", file, root);
        return entries.stream().allMatch(StrategyComparison.Entry::completed) ? 0 : 1;
    }

    /**
     * One federation run, as {@code ./demo.sh} without a comparison does it.
     *
     * @param splitSecretsFrom an earlier run's work directory whose sites' split secrets this run's
     *     agents take (the same held-out rows), or null to let each agent create its own
     */
    private Outcome runOne(DemoOptions o, Path splitSecretsFrom) throws Exception {
        Path work = o.workDir().toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work.resolve("logs"));
        var out = System.out;
        out.printf(
                "Cohort demo — %s data, %d rounds, model %s%s%n",
                o.dataset(),
                o.rounds(),
                o.model(),
                o.strategy() == null
                        ? ""
                        : ", strategy " + o.strategy()
                                + (o.strategyOptions(o.strategy()).isEmpty()
                                        ? ""
                                        : " " + o.strategyOptions(o.strategy())));
        out.printf("work directory: %s%n%n", work);

        DemoData data = DemoData.prepare(o, work.resolve("data"));
        if (splitSecretsFrom != null) {
            for (DemoData.Site site : data.sites()) {
                Path from = splitSecretsFrom
                        .resolve("agents")
                        .resolve(site.name())
                        .resolve("work")
                        .resolve(SPLIT_SECRET);
                if (Files.isRegularFile(from)) {
                    Path to = data.agentWorkDir(site).resolve(SPLIT_SECRET);
                    Files.createDirectories(to.getParent());
                    Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Metric metric = Metric.of(data);
        out.printf("data: %s%n", data.description());
        var trainRows = data.preparedSites().stream().map(d -> d.train().size()).toList();
        DemoPrivacy privacy = DemoPrivacy.calibrate(o.privacy(), o.epsilon(), o.rounds(), trainRows, !data.survival());
        out.println(privacy.explanation());
        out.println(
                o.secureAggregation()
                        ? "secure aggregation: SecAgg+ (X25519 key agreement, Shamir-shared seeds, AES-CTR masks in Z(2^32));"
                                + " the coordinator learns only the sum of each round's updates"
                        : "secure aggregation: off (the coordinator sees each site's update)");

        Instant started = Instant.now();
        try (var children = new ChildProcesses()) {
            int restPort = ChildProcesses.freePort();
            int agentPort = ChildProcesses.freePort();
            Path coordinatorDir = work.resolve("coordinator");
            out.print("starting coordinator ");
            children.start(
                    "coordinator",
                    "org.cohort.coordinator.CoordinatorApplication",
                    List.of(
                            "--cohort.coordinator.data-dir=" + coordinatorDir,
                            "--server.port=" + restPort,
                            "--cohort.coordinator.grpc-port=" + agentPort,
                            "--cohort.coordinator.grpc-address=127.0.0.1",
                            InProcessCoordinator.LOOPBACK_SITES,
                            "--cohort.coordinator.cluster.name=cohort-demo-" + UUID.randomUUID(),
                            "--cohort.coordinator.cluster.port=" + ChildProcesses.freePort()),
                    work.resolve("logs/coordinator.log"));
            CoordinatorClient api = LocalCoordinator.awaitStarted(
                    coordinatorDir, restPort, STARTUP_LIMIT, () -> true, work.resolve("logs/coordinator.log"));
            JsonNode status = api.status();
            out.printf(
                    " up: REST http://127.0.0.1:%d, agents %s (mutual TLS), CA %s%n",
                    restPort,
                    "localhost:" + agentPort,
                    status.get("caFingerprint").asString());

            JsonNode study = api.studies().create(data.studySpec(o, privacy));
            String studyId = study.get("studyId").asString();
            out.printf(
                    "study %s created: %s, %d rounds, min %d sites per round%n",
                    studyId, o.model(), o.rounds(), data.sites().size());

            String trainerLines = "";
            if (o.trainer().equals("pytorch")) {
                var worker = org.cohort.agent.PyTorchWorker.find();
                if (!worker.present()) {
                    throw new IllegalStateException("--trainer pytorch: " + worker.problem());
                }
                // Each agent starts the reference worker as its child and trains through it (cohort.trainer.v1).
                trainerLines = "trainer.kind=external\ntrainer.command=" + String.join(" ", worker.command()) + "\n";
                out.printf(
                        "trainer: each site trains through the PyTorch worker (%s)%n",
                        String.join(" ", worker.command()));
            }
            var siteIds = new LinkedHashMap<String, String>(); // site name -> site id (filled from the coordinator)
            for (DemoData.Site site : data.sites()) {
                JsonNode token = api.enrollment().token(site.name(), Duration.ofMinutes(30));
                Path agentDir = work.resolve("agents").resolve(site.name());
                Files.createDirectories(agentDir);
                Path config = agentDir.resolve("agent.properties");
                Files.writeString(
                        config,
                        String.join(
                                "\n",
                                "site.name=" + site.name(),
                                "coordinator.addresses=localhost:" + agentPort,
                                "coordinator.ca-fingerprint="
                                        + token.get("caFingerprint").asString(),
                                "enrollment.token=" + token.get("token").asString(),
                                "data.path=" + site.dataFile(),
                                "work.dir=" + data.agentWorkDir(site),
                                "studies.accepted=" + studyId,
                                // Public by assumption: the site's FedAvg weight, declared with the acceptance.
                                "study." + studyId + ".training-examples=" + data.trainingExamples(site),
                                // The terms this site agrees to: its agent refuses any task with other terms.
                                api.studies()
                                        .terms(studyId)
                                        .get("agentProperty")
                                        .asString(),
                                trainerLines));
                children.start(
                        site.name(),
                        "org.cohort.agent.SiteAgent",
                        List.of("--config", config.toString()),
                        work.resolve("logs/" + site.name() + ".log"));
            }
            out.printf(
                    "started %d site agents (each enrolls with its one-time token, then opens an mTLS session)%n",
                    data.sites().size());
            waitForSites(api, data.sites().size(), siteIds, work);
            api.studies().start(studyId);
            out.println();
            var table = new RoundTable(
                    out,
                    metric,
                    data.sites().stream().map(DemoData.Site::name).toList(),
                    siteIds,
                    privacy.enabled() ? () -> api.studies().privacy(studyId) : null);
            if (privacy.enabled()) {
                out.printf(
                        "ε spent: %s-level privacy spent so far by each site, at δ = %s (RDP accountant, improved"
                                + " conversion), from the coordinator's ledger%n",
                        PrivacyWords.word(privacy.mode()), "1e-5");
            }
            table.header();
            JsonNode finalStudy = followRounds(api, studyId, table, o);
            Duration federatedTime = Duration.between(started, Instant.now());

            String state = finalStudy.get("status").asString();
            int roundsCompleted = roundsCompleted(api.studies().rounds(studyId));
            long[] bytes = bytes(api, coordinatorDir);
            Map<String, Double> epsilon =
                    privacy.enabled() ? epsilonBySite(api.studies().privacy(studyId)) : null;
            if (!state.equals("COMPLETED")) {
                out.printf(
                        "%nstudy ended %s: %s%nlogs: %s%n",
                        state, finalStudy.get("statusDetail").asString(), work.resolve("logs"));
                return new Outcome(
                        1,
                        new StrategyComparison.Entry(
                                o.strategy() == null ? "fedavg" : o.strategy(),
                                state + ": " + finalStudy.get("statusDetail").asString(),
                                metric,
                                null,
                                roundsCompleted,
                                federatedTime.toMillis() / 1000.0,
                                bytes[0],
                                bytes[1],
                                epsilon,
                                null));
            }
            long finalVersion = finalStudy.get("currentVersion").asLong();
            Path modelDir = work.resolve("final-model");
            Files.createDirectories(modelDir);
            api.studies().downloadParameters(studyId, finalVersion, modelDir.resolve("parameters.f32"));
            String configJson = api.studies().modelConfig(studyId);
            Files.writeString(modelDir.resolve("model-config.json"), configJson);
            Path zip = FinalModel.save(
                    configJson, modelDir.resolve("parameters.f32"), modelDir.resolve("final-model.zip"));

            out.println();
            out.println("baselines (same model, same preprocessing, same held-out rows) ...");
            var baselines = Baselines.compute(data, configJson, 42, o.rounds() * DemoPlan.localEpochs(privacy.mode()));
            var names = data.sites().stream().map(DemoData.Site::name).toList();
            // Under DP the sites release their evaluation only as noised counts. The demo holds every
            // site's held-out rows itself, so it also measures the published model exactly (a real
            // federation's coordinator cannot): that is the row to compare with the baselines.
            // A survival study's pooled C-index is over all held-out patients as one set (pairs across
            // sites too), which only the demo can measure; the sites report the pairs within each site.
            boolean measure = privacy.enabled() || data.survival();
            // Under DP a survival study's sites release no C-index at all (see SurvivalChecks).
            Accuracies released = measure && !(privacy.enabled() && data.survival()) ? table.finalEvaluation() : null;
            var federated = measure
                    ? Baselines.evaluate(
                            FinalModel.load(configJson, modelDir.resolve("parameters.f32")),
                            data.preparedSites(),
                            names)
                    : table.finalEvaluation();
            Comparison.print(
                    out,
                    metric,
                    names,
                    "federated (Cohort"
                            + (privacy.enabled()
                                    ? ", " + PrivacyWords.word(privacy.mode()) + " DP ε≤" + privacy.targetEpsilon()
                                    : "")
                            + (o.secureAggregation() ? ", SecAgg" : "") + ")",
                    federated,
                    privacy.enabled()
                            ? "  as released under DP (noised counts)"
                            : "  as the sites reported it (pairs within sites)",
                    released,
                    baselines);
            if (data.survival()) {
                out.println("(Harrell's C-index of the discrete-time model's risk, higher = sooner; 0.5 is chance."
                        + " Pooled: all held-out patients as one set, measured by the demo on the rows it holds"
                        + (privacy.enabled()
                                ? "; under DP the sites release no C-index: its pair counts move by up to n - 1"
                                        + " with one patient"
                                : "")
                        + ")");
            }
            out.println("(baselines train without privacy"
                    + (privacy.enabled()
                            ? "; the federated row is measured by"
                                    + " the demo on the held-out rows it holds"
                                    + (released != null
                                            ? ", the row below it is what the" + " sites released"
                                            : data.survival()
                                                    ? "; the sites release no C-index under DP"
                                                    : "; under site-level DP the sites release no evaluation")
                            : "")
                    + ")");

            ScoreFigures scores = table.finalScores();
            if (scores != null) {
                out.println();
                scores.print(
                        out,
                        "federated model's ranking and calibration, as the sites released them ("
                                + (privacy.enabled()
                                        ? org.cohort.protocol.ScoreHistogram.DP_BINS + "-bin score histograms, noised"
                                                + " under DP"
                                        : org.cohort.protocol.ScoreHistogram.BINS + "-bin score histograms")
                                + "; ECE with bin midpoints):");
            }

            ObjectNode summary = api.json().createObjectNode();
            summary.put("dataset", o.dataset());
            // What every federated/central/singleSite figure is: "accuracy", or "c-index" for survival.
            summary.put("metric", data.survival() ? "c-index" : "accuracy");
            summary.put("studyId", studyId);
            summary.put("rounds", o.rounds());
            summary.put("model", o.model());
            summary.put("sites", data.sites().size());
            summary.put("finalModelVersion", finalVersion);
            summary.put("wallSeconds", federatedTime.toMillis() / 1000.0);
            summary.put("meanRoundSeconds", table.meanRoundSeconds());
            summary.set("privacyConfig", api.json().valueToTree(privacy.studyJson()));
            summary.put("secureAggregation", o.secureAggregation());
            if (privacy.enabled()) {
                summary.set("privacy", api.studies().privacy(studyId));
                Path report = work.resolve("privacy-report.html");
                Files.writeString(report, api.studies().privacyReport(studyId, Studies.ReportFormat.HTML));
                summary.put("privacyReport", report.toString());
            }
            summary.set("roundsTable", api.studies().rounds(studyId));
            summary.set("federated", api.json().valueToTree(federated));
            if (released != null) {
                summary.set("federatedAsReleased", api.json().valueToTree(released));
            }
            if (scores != null) {
                summary.set("federatedScores", api.json().valueToTree(scores));
            }
            summary.set("central", api.json().valueToTree(baselines.central()));
            summary.set("singleSite", api.json().valueToTree(baselines.singleSite()));
            summary.put("finalModel", zip.toString());
            Path summaryFile = work.resolve("summary.json");
            Files.writeString(
                    summaryFile, api.json().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            out.println();
            out.printf("final model:  %s (Deeplearning4j; raw float32 parameters and configuration beside it)%n", zip);
            out.printf("run summary:  %s%n", summaryFile);
            if (privacy.enabled()) {
                out.printf(
                        "privacy:      %s (open in a browser: ε per site over rounds, inputs, audit chain)%n",
                        work.resolve("privacy-report.html"));
            }
            out.printf("logs:         %s%n", work.resolve("logs"));
            out.printf(
                    "federated training took %.1f s (%.2f s per round on average)%n",
                    federatedTime.toMillis() / 1000.0, table.meanRoundSeconds());
            return new Outcome(
                    0,
                    new StrategyComparison.Entry(
                            o.strategy() == null ? "fedavg" : o.strategy(),
                            null,
                            metric,
                            federated,
                            roundsCompleted,
                            federatedTime.toMillis() / 1000.0,
                            bytes[0],
                            bytes[1],
                            epsilon,
                            summaryFile.toString()));
        }
    }

    /** The agent's split-secret file name in its work directory ({@code SplitSecretFile}). */
    private static final String SPLIT_SECRET = "split-secret";

    /** Training rounds that completed (a retried round counts once). */
    static int roundsCompleted(JsonNode rounds) {
        var done = new java.util.HashSet<Integer>();
        for (JsonNode r : rounds) {
            if (r.get("kind").asString().equals("TRAIN")
                    && r.get("status").asString().equals("COMPLETED")) {
                done.add(r.get("roundNumber").asInt());
            }
        }
        return done.size();
    }

    /**
     * Model bytes the coordinator sent and update bytes it accepted, from its own counters
     * (cohort_model_bytes_total, cohort_upload_bytes_total at /actuator/prometheus); -1 each when
     * they cannot be read. The demo's coordinator serves this one study only.
     */
    private static long[] bytes(CoordinatorClient api, Path coordinatorDir) {
        try {
            String token =
                    Files.readString(coordinatorDir.resolve("admin-token")).strip();
            var request = java.net.http.HttpRequest.newBuilder(api.base().resolve("/actuator/prometheus"))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10))
                    .build();
            try (var http = java.net.http.HttpClient.newHttpClient()) {
                var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return new long[] {-1, -1};
                }
                return new long[] {
                    StrategyComparison.counter(response.body(), "cohort_model_bytes_total"),
                    StrategyComparison.counter(response.body(), "cohort_upload_bytes_total")
                };
            }
        } catch (IOException e) {
            return new long[] {-1, -1};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new long[] {-1, -1};
        }
    }

    /** ε each site has spent (site name → ε), from the study's privacy view. */
    static Map<String, Double> epsilonBySite(JsonNode privacyView) {
        var out = new LinkedHashMap<String, Double>();
        for (JsonNode site : privacyView.get("sites")) {
            out.put(
                    site.get("siteName").asString(),
                    site.get("spent").get("epsilon").asDouble());
        }
        return out;
    }

    private static void waitForSites(CoordinatorClient api, int expected, Map<String, String> siteIds, Path work)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(STARTUP_LIMIT);
        int lastShown = -1;
        while (Instant.now().isBefore(deadline)) {
            int connected = 0;
            for (JsonNode s : api.sites().list()) {
                siteIds.put(s.get("siteName").asString(), s.get("siteId").asString());
                if (s.get("connected").asBoolean()) {
                    connected++;
                }
            }
            if (connected != lastShown) {
                System.out.printf("  %d of %d sites connected%n", connected, expected);
                lastShown = connected;
            }
            if (connected >= expected) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("not all sites connected within " + STARTUP_LIMIT.toSeconds()
                + " s; see the logs in " + work.resolve("logs"));
    }

    private static JsonNode followRounds(CoordinatorClient api, String studyId, RoundTable table, DemoOptions o)
            throws InterruptedException {
        while (true) {
            JsonNode study = api.studies().get(studyId);
            table.update(api.studies().rounds(studyId));
            String status = study.get("status").asString();
            if (status.equals("COMPLETED") || status.equals("FAILED") || status.equals("STOPPED")) {
                table.update(api.studies().rounds(studyId));
                return study;
            }
            Thread.sleep(300);
        }
    }

    /** Deeplearning4j and friends log at INFO to the console; the demo's own table is what people read. */
    private static void quietLibraries() {
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.WARN);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
