package org.cohort.simulation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cohort.agent.DatasetSchemas;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.SplitSecretFile;
import org.cohort.learning.data.FeatureColumn;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.data.LabelRule;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.SyntheticHospitals;
import org.cohort.learning.data.TabularSchema;
import org.cohort.protocol.v1.DatasetSpec;

/**
 * The demo's hospitals: where each one's table lives, the schema the study declares, and the
 * same per-site preparation the agents perform (so baselines see exactly the rows the
 * federation saw).
 *
 * @param agentsDir where each site's agent keeps its state ({@code <agentsDir>/<site>/work}),
 *     the sibling {@code agents} of the data directory; the baselines split each site's rows
 *     with the secret its agent keeps there
 */
record DemoData(String format, TabularSchema schema, List<Site> sites, String description, Path agentsDir) {
    static final double TEST_FRACTION = 0.25;
    static final long SPLIT_SEED = 20261125L;
    /** Patients per synthetic hospital and the generator's seed. */
    static final int ROWS_PER_SITE = 400;

    static final long SYNTHETIC_SEED = 11L;

    record Site(String name, Path dataFile) {}

    static DemoData prepare(DemoOptions o, Path dir) throws IOException {
        Files.createDirectories(dir);
        if (o.dataset().equals("heart-disease")) {
            var sites = new ArrayList<Site>();
            for (String centre : HeartDisease.centres()) {
                Path file = HeartDisease.file(o.dataDir().toAbsolutePath(), centre);
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException(
                            "missing " + file + "; --data-dir must hold processed.<centre>.data");
                }
                sites.add(new Site(centre, file));
            }
            return new DemoData(
                    "heart-disease",
                    HeartDisease.schema(),
                    sites,
                    "UCI Heart Disease, 4 centres (Janosi, Steinbrunn, Pfisterer, Detrano 1988; CC BY 4.0), read from "
                            + o.dataDir().toAbsolutePath(),
                    agentsDir(dir));
        }
        var hospitals = SyntheticHospitals.generate(o.sites(), ROWS_PER_SITE, SYNTHETIC_SEED);
        List<Path> files = hospitals.writeCsv(dir);
        var sites = new ArrayList<Site>();
        for (int i = 0; i < files.size(); i++) {
            sites.add(new Site("hospital-" + (i + 1), files.get(i)));
        }
        return new DemoData(
                "csv",
                hospitals.schema(),
                sites,
                o.sites() + " synthetic hospitals with different case" + " mixes, " + ROWS_PER_SITE
                        + " patients each, written to " + dir,
                agentsDir(dir));
    }

    private static Path agentsDir(Path dataDir) {
        return dataDir.toAbsolutePath().resolveSibling("agents");
    }

    /** The state directory of {@code site}'s agent. */
    Path agentWorkDir(Site site) {
        return agentsDir.resolve(site.name()).resolve("work");
    }

    /** The positive-label threshold carried by the schema's label rule. */
    double positiveAbove() {
        return schema.labelRule() instanceof LabelRule.PositiveIfGreaterThan p ? p.threshold() : 0.5;
    }

    DatasetSpec datasetSpec() {
        return DatasetSchemas.toSpec(schema, format, positiveAbove(), TEST_FRACTION, SPLIT_SEED);
    }

    /** The study to create (REST body). */
    Map<String, Object> studySpec(DemoOptions o, DemoPrivacy privacy) {
        var features = new ArrayList<Map<String, Object>>();
        for (FeatureColumn f : schema.features()) {
            var m = new HashMap<String, Object>();
            m.put("name", f.name());
            switch (f) {
                case FeatureColumn.Categorical c -> m.put("levels", c.levels());
                case FeatureColumn.Numeric n -> {
                    if (!n.locallyStandardised()) {
                        m.put("center", n.center());
                        m.put("scale", n.scale());
                    }
                }
            }
            features.add(m);
        }
        var spec = new HashMap<String, Object>();
        spec.put("name", "demo-" + o.dataset());
        spec.put(
                "model",
                Map.of("preset", o.model(), "hidden", o.model().equals("mlp") ? List.of(16) : List.of(), "seed", 42));
        spec.put("plan", DemoPlan.planJson(privacy.mode()));
        spec.put(
                "dataset",
                Map.of(
                        "format",
                        format,
                        "features",
                        features,
                        "labelColumn",
                        schema.labelColumn(),
                        "positiveAbove",
                        positiveAbove(),
                        "testFraction",
                        TEST_FRACTION,
                        "splitSeed",
                        SPLIT_SEED));
        spec.put("rounds", o.rounds());
        spec.put("minSites", sites.size());
        spec.put("roundTimeoutSeconds", 300);
        spec.put("maxRetries", 3);
        spec.put("privacy", privacy.studyJson());
        if (o.secureAggregation()) {
            spec.put("secureAggregation", Map.of("enabled", true));
        }
        return spec;
    }

    /**
     * The training size a site's admin declares when accepting the demo study: the training rows
     * its agent will have after the study's split (public by assumption, as every declaration).
     */
    long trainingExamples(Site site) {
        return new Dl4jLearner(site.dataFile(), SplitSecretFile.loadOrCreate(agentWorkDir(site)))
                .data(datasetSpec())
                .train()
                .size();
    }

    /** Each site's data exactly as its agent prepares it. */
    List<SplitData> preparedSites() {
        var out = new ArrayList<SplitData>();
        for (Site s : sites) {
            out.add(new Dl4jLearner(s.dataFile(), SplitSecretFile.loadOrCreate(agentWorkDir(s))).data(datasetSpec()));
        }
        return out;
    }
}
