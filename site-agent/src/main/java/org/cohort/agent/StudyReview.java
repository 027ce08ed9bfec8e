package org.cohort.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.StudyOffer;

/**
 * What {@code cohort-agent studies list|show|accept|withdraw} do with the studies the coordinator
 * offers and the site's {@code agent.properties}. The terms digest is always computed here, with
 * {@link StudyTerms}, from the privacy plan and dataset the coordinator sent: exactly as the
 * running agent recomputes it from every task, so the digest pinned is the digest checked.
 */
final class StudyReview {
    private static final Pattern STUDY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private StudyReview() {}

    /** The digest the agent pins for {@code offer}, computed locally. */
    static String digest(StudyOffer offer) {
        return StudyTerms.of(offer.getPrivacy(), offer.getDataset()).digest();
    }

    /** The studies accepted in the file as written: id → pinned digest (empty when not set). */
    static LinkedHashMap<String, String> accepted(Path config) throws IOException {
        Properties p = read(config);
        var out = new LinkedHashMap<String, String>();
        for (String id : ids(p.getProperty("studies.accepted", ""))) {
            out.put(id, p.getProperty("study." + id + ".terms", "").strip());
        }
        return out;
    }

    /** One line per offered or locally accepted study: id, status, local acceptance, name. */
    static List<String> list(List<StudyOffer> offers, Path config) throws IOException {
        var accepted = accepted(config);
        var lines = new ArrayList<String>();
        lines.add(String.format(Locale.ROOT, "%-24s %-10s %-34s %s", "STUDY", "STATUS", "THIS SITE", "NAME"));
        for (StudyOffer o : offers) {
            String pinned = accepted.get(o.getStudyId());
            String here = pinned == null
                    ? "not accepted"
                    : pinned.equals(digest(o)) ? "accepted (terms pinned)" : "accepted, PINNED TERMS DIFFER";
            lines.add(String.format(
                    Locale.ROOT, "%-24s %-10s %-34s %s", o.getStudyId(), o.getStatus(), here, o.getName()));
        }
        accepted.keySet().stream()
                .filter(id -> offers.stream().noneMatch(o -> o.getStudyId().equals(id)))
                .forEach(id -> lines.add(String.format(
                        Locale.ROOT,
                        "%-24s %-10s %-34s %s",
                        id,
                        "-",
                        "accepted, not offered",
                        "(unknown to the coordinator)")));
        return lines;
    }

    /**
     * {@code line} with every control character (terminal escapes, newlines) shown as '?': study
     * names and columns come from the coordinator and must not rewrite what the admin reads.
     */
    static String printable(String line) {
        return line.replaceAll("\\p{Cc}", "?");
    }

    /**
     * The study's own model as this agent parses it (not as the coordinator describes it): its form,
     * inputs, classes and parameters, then one line per layer; or why this agent would refuse it.
     */
    static List<String> modelSummary(String configJson) {
        try {
            var module = StudyModule.parse(configJson);
            if (module.isPresent()) {
                var m = module.get();
                return List.of(
                        "  PyTorch module '" + m.name() + "', file SHA-256 " + m.sha256()
                                + " (this site needs that file"
                                + " in trainer.modules, trained by the external trainer)",
                        "  " + m.trainable() + " values travel: "
                                + (m.lora() == null
                                        ? "every parameter"
                                        : "LoRA adapters of rank " + m.lora().getRank() + " (alpha "
                                                + m.lora().getAlpha() + ") on "
                                                + m.lora().getTargetsList()
                                                + (m.lora().getTrainCount() == 0
                                                        ? ""
                                                        : ", and " + m.lora().getTrainList() + " whole"))
                                + "; input shape " + m.inputShape() + ", " + m.classes() + " classes");
            }
            if (!org.cohort.learning.Dl4jSupport.present()) {
                return List.of("  a DL4J network: " + org.cohort.learning.Dl4jSupport.lean("agent")
                        + ", which cannot read it, refuses to accept the study (run the full agent for it)");
            }
            return new org.cohort.learning.model.ModelSpec(configJson)
                    .summary().stream().map(line -> "  " + line).toList();
        } catch (IllegalArgumentException e) {
            return List.of("  this agent cannot build it, and would refuse the study's tasks: " + e.getMessage());
        }
    }

    /**
     * Whether the study names a PyTorch module, as its reviewed offer says (the coordinator sends a module's
     * description with it); a preset or a DL4J configuration does not.
     */
    static boolean namesModule(StudyOffer offer) {
        return !offer.getModelConfigJson().isEmpty()
                && StudyModule.parse(offer.getModelConfigJson()).isPresent();
    }

    /** The study as its admin reviews it, in words, ending with the line {@code accept} would pin. */
    static List<String> show(StudyOffer o) {
        var plan = o.getPrivacy();
        StudyTerms terms = StudyTerms.of(plan, o.getDataset());
        var l = new ArrayList<String>();
        l.add("study " + o.getStudyId() + " \"" + o.getName() + "\" (" + o.getStatus() + ", " + o.getRoundsDone()
                + " of " + o.getRounds() + " rounds done)");
        l.add("model: " + (o.getModelPreset().isEmpty() ? "(not stated)" : o.getModelPreset())
                + (o.getHiddenLayersCount() == 0 ? "" : ", hidden layers " + o.getHiddenLayersList()));
        if (!o.getModelConfigJson().isEmpty()) {
            l.addAll(modelSummary(o.getModelConfigJson()));
        }
        if (o.hasPlan()) {
            l.add(String.format(
                    Locale.ROOT,
                    "local training: %d epoch(s) per round, batch %d, %s, learning rate %s",
                    o.getPlan().getLocalEpochs(),
                    o.getPlan().getBatchSize(),
                    o.getPlan().getOptimizer(),
                    o.getPlan().getLearningRate()));
            if (o.getPlan().getFrozenLayersCount() > 0) {
                l.add("  transfer learning: layers " + o.getPlan().getFrozenLayersList()
                        + " keep the supplied model's values; only the other parameters are trained and sent");
            }
            if (o.getPlan().getProximalMu() != 0) {
                l.add("  with FedProx's proximal term: mu " + o.getPlan().getProximalMu()
                        + " (each step also pulls the local model toward the global one)");
            }
        }
        var d = o.getDataset();
        if (DatasetSchemas.images(d)) {
            var i = d.getImage();
            l.add("data: image folders, one per class " + i.getClassesList() + "; each image " + i.getWidth() + "×"
                    + i.getHeight() + ", " + (i.getChannels() == 1 ? "grayscale" : i.getChannels() + " channels (RGB)")
                    + ", resize " + i.getResize() + ", each channel (sample / max - mean) / std with mean "
                    + i.getMeanList() + ", std " + i.getStdList()
                    + (d.getTestIdsCount() > 0
                            ? "; held-out set: " + d.getTestIdsCount() + " published image names"
                            : "; held out: " + d.getTestFraction() + " of images"));
        } else {
            tableLines(d, l);
        }
        privacyLines(o, plan, terms, l);
        return l;
    }

    private static void tableLines(org.cohort.protocol.v1.DatasetSpec d, List<String> l) {
        l.add("data: format " + d.getFormat()
                + (DatasetSchemas.isSurvival(d)
                        ? ", survival: event " + d.getLabelColumn() + " (0/1), time " + d.getTimeColumn()
                                + ", intervals cut at " + d.getCutPointsList()
                        : ", label " + d.getLabelColumn() + " > " + d.getPositiveAbove())
                + (d.getIdColumn().isEmpty() ? "" : ", patient id column " + d.getIdColumn())
                + (d.getTestIdsCount() > 0
                        ? ", held-out set: " + d.getTestIdsCount() + " published patient ids"
                        : ", held out: " + d.getTestFraction() + " of rows"));
        if (d.hasTable()) {
            var f = DatasetSchemas.tableFormat(d);
            l.add("table file: values separated by "
                    + (f.delimiter() == '\t' ? "tabs" : "'" + f.delimiter() + "'")
                    + (f.quote() == null ? ", never quoted" : ", quoted with " + f.quote())
                    + (f.hasHeader() ? ", a header row names the columns" : ", no header row; columns " + f.columns())
                    + ", not recorded: " + new java.util.TreeSet<>(f.missing()));
        }
        l.add("features (" + d.getFeaturesCount() + "):");
        for (FeatureColumnSpec f : d.getFeaturesList()) {
            l.add("  " + f.getName() + ": "
                    + (f.getLevelsCount() > 0
                            ? "categorical " + f.getLevelsList()
                            : f.getHasScaling()
                                    ? "numeric, (x - " + f.getCenter() + ") / " + f.getScale()
                                    : "numeric, standardised on this site's own training split"));
        }
    }

    private static void privacyLines(StudyOffer o, PrivacyPlan plan, StudyTerms terms, List<String> l) {
        l.add("privacy terms:");
        boolean dp = PrivacyWords.isPrivate(plan.getMode());
        l.add("  mode: " + PrivacyWords.word(plan.getMode()) + " (protects: " + terms.unit() + ")");
        if (dp) {
            l.add("  ε budget per " + terms.unit() + ": "
                    + (plan.getEpsilonBudget() > 0
                            ? plan.getEpsilonBudget()
                            : "none declared (this site's ceilings only)"));
            l.add("  δ: " + plan.getDelta());
            l.add("  accountant: " + PrivacyWords.word(plan.getAccountant()));
            l.add("  noise multiplier (floor): " + plan.getNoiseMultiplier()
                    + (plan.getCalibrateAtSite() ? ", each site calibrates its own at or above it" : ""));
            l.add("  clip norm: " + plan.getClipNorm());
            if (plan.getExpectedBatchSize() > 0) {
                l.add("  expected batch size: " + plan.getExpectedBatchSize());
            }
            l.add("  final evaluation: "
                    + (plan.getEvaluationNoiseMultiplier() > 0
                            ? "noised counts released (score histogram if binary, else confusion matrix), σ "
                                    + plan.getEvaluationNoiseMultiplier() + " per count"
                            : "no evaluation released"));
        }
        l.add("  rounds: " + plan.getStudyRounds());
        l.add("  secure aggregation: " + (plan.getSecureAggregation() ? "yes" : "no"));
        l.add("  max training size a site may declare: " + plan.getMaxSiteExamples());
        l.add("  dataset digest: " + terms.dataset());
        l.add("terms (canonical, the digest is SHA-256 of this text): " + terms.canonicalJson());
        l.add("terms digest (computed here): " + terms.digest());
        if (o.getDeclaredTrainingExamples() > 0) {
            l.add("this site declared " + o.getDeclaredTrainingExamples() + " training examples when it first accepted"
                    + " it (fixed for the whole study)");
        }
        l.add("to accept: cohort-agent studies accept " + o.getStudyId() + " --training-examples N --terms "
                + terms.digest() + " --config agent.properties");
    }

    /**
     * The terms digest in a saved review ({@code studies show STUDY > FILE}) of {@code study}: what
     * its admin read is what {@code accept --reviewed FILE} requires. A review of another study, or
     * a file that is not a review, is refused.
     */
    static String reviewedDigest(Path review, String study) throws IOException {
        if (Files.size(review) > 1 << 20) {
            throw new IllegalArgumentException(review + " is not a saved 'studies show' review (over 1 MiB)");
        }
        List<String> lines = Files.readAllLines(review, java.nio.charset.StandardCharsets.UTF_8);
        String digestPrefix = "terms digest (computed here): ";
        List<String> digests = lines.stream()
                .filter(line -> line.startsWith(digestPrefix))
                .map(line -> line.substring(digestPrefix.length()).strip())
                .distinct()
                .toList();
        if (digests.size() != 1 || !digests.getFirst().matches("sha256:[0-9a-f]{64}")) {
            throw new IllegalArgumentException(review + " is not the saved output of 'cohort-agent studies show "
                    + printable(study) + "' (it needs exactly one line '" + digestPrefix + "sha256:...'); save the"
                    + " review with: cohort-agent studies show " + printable(study) + " > FILE");
        }
        String acceptLine = "to accept: cohort-agent studies accept " + study + " ";
        if (lines.stream().noneMatch(line -> line.startsWith(acceptLine))) {
            throw new IllegalArgumentException("refused: " + review + " is a review of another study, not of "
                    + printable(study) + "; nothing was written");
        }
        return digests.getFirst();
    }

    /**
     * Whether this site's table fits the study's dataset, read here exactly as the agent's tasks would
     * read it (columns, cells, survival times and events, the split): the training size to declare, or
     * the problem, with file, line and cell (the admin's own terminal; nothing is sent). A table that
     * does not fit would fail every task before training, so nothing would be spent; this says so before
     * the study is even accepted.
     */
    static String dataFit(StudyOffer offer, Path dataPath, Path workDir) {
        try {
            var policy = org.cohort.learning.data.PreprocessingPolicy.forStudy(
                    !PrivacyWords.isPrivate(offer.getPrivacy().getMode()));
            var split =
                    new Dl4jLearner(dataPath, SplitSecretFile.loadOrCreate(workDir)).data(offer.getDataset(), policy);
            return "this site's data (" + dataPath + ") fits the study: "
                    + split.train().size()
                    + " training rows (the size to declare with --training-examples), "
                    + split.test().size()
                    + " held out";
        } catch (RuntimeException e) {
            // The details can quote a cell of the table: on standard error only, so that a review saved
            // with "studies show ... > FILE" (and shared, or passed to accept --reviewed) never holds them.
            System.err.println("why this site's data does not fit: " + e.getMessage());
            return "this site's data (" + dataPath + ") does NOT fit the study; its tasks would fail before"
                    + " training (the details are on standard error, not in this review)";
        }
    }

    /**
     * Accepts {@code offer} in {@code config}: adds it to {@code studies.accepted} and pins the
     * locally computed digest and the declared training size.
     *
     * @param expectedTerms the digest its admin reviewed ({@code --terms}); required, so that what
     *                      is pinned is what was reviewed, not what the coordinator sends at accept time
     * @return what was done, in words
     * @throws IllegalArgumentException when the terms or the size cannot be pinned (nothing written)
     */
    static String accept(Path config, StudyOffer offer, long trainingExamples, String expectedTerms)
            throws IOException {
        String id = offer.getStudyId();
        requireId(id);
        String computed = digest(offer);
        if (expectedTerms == null || !expectedTerms.strip().equals(computed)) {
            throw new IllegalArgumentException("refused: the terms digest given (--terms " + expectedTerms.strip()
                    + ") is not the digest of study " + id + "'s terms as the coordinator sends them now ("
                    + computed + ", computed here). Nothing was written. Review them again with: cohort-agent studies"
                    + " show " + id);
        }
        if (!org.cohort.learning.Dl4jSupport.present() && !namesModule(offer)) {
            // Accepted, it would be offered every round only to be refused after the model's download.
            throw new IllegalArgumentException("refused: study " + id + "'s model is a DL4J network, and "
                    + org.cohort.learning.Dl4jSupport.lean("agent") + ": it trains studies that name a PyTorch"
                    + " module only. Nothing was written. Run the full agent (cohort-agent-exec.jar) for this study.");
        }
        if (trainingExamples < 1) {
            throw new IllegalArgumentException("--training-examples must be at least 1 (the training size this site"
                    + " declares for study " + id + "; public, and the weight of its updates)");
        }
        if (offer.getPrivacy().getMaxSiteExamples() > 0
                && trainingExamples > offer.getPrivacy().getMaxSiteExamples()) {
            throw new IllegalArgumentException("refused: study " + id + " lets a site declare at most "
                    + offer.getPrivacy().getMaxSiteExamples() + " training examples, not " + trainingExamples);
        }
        long pinned = offer.getDeclaredTrainingExamples();
        if (pinned > 0 && pinned != trainingExamples) {
            throw new IllegalArgumentException("refused: this site declared " + pinned + " training examples when it"
                    + " first accepted study " + id + ", and a declaration is fixed for the whole study: give"
                    + " --training-examples " + pinned);
        }
        var ids = new ArrayList<>(accepted(config).keySet());
        if (!ids.contains(id)) {
            ids.add(id);
        }
        var set = new LinkedHashMap<String, String>();
        set.put("studies.accepted", String.join(",", ids));
        set.put("study." + id + ".training-examples", Long.toString(trainingExamples));
        set.put("study." + id + ".terms", computed);
        AgentProperties.edit(config, set, Set.of());
        return "accepted study " + id + " in " + config + ": " + trainingExamples + " training examples declared,"
                + " terms pinned as " + computed + ". A running agent picks it up within seconds.";
    }

    /** Withdraws {@code studyId}: its lines go from {@code config}; a running agent refuses its tasks from then on. */
    static String withdraw(Path config, String studyId) throws IOException {
        requireId(studyId);
        var ids = new ArrayList<>(accepted(config).keySet());
        if (!ids.remove(studyId)) {
            throw new IllegalArgumentException(
                    "study " + studyId + " is not accepted in " + config + " (studies.accepted); nothing to withdraw");
        }
        var set = new LinkedHashMap<String, String>();
        set.put("studies.accepted", String.join(",", ids));
        AgentProperties.edit(
                config, set, Set.of("study." + studyId + ".training-examples", "study." + studyId + ".terms"));
        return "withdrew study " + studyId + " in " + config + ". A running agent refuses its tasks from its next"
                + " task on and tells the coordinator.";
    }

    private static void requireId(String id) {
        if (!STUDY_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + id + "' is not a study id");
        }
    }

    private static Properties read(Path config) throws IOException {
        var p = new Properties();
        try (Reader r = Files.newBufferedReader(config)) {
            p.load(r);
        }
        return p;
    }

    private static List<String> ids(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
