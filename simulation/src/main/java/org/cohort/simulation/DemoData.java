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
import org.cohort.learning.data.TcgaBrca;
import org.cohort.protocol.v1.DatasetSpec;

/**
 * The demo's hospitals: where each one's table lives, the schema the study declares, and the
 * same per-site preparation the agents perform (so baselines see exactly the rows the
 * federation saw).
 *
 * @param agentsDir where each site's agent keeps its state ({@code <agentsDir>/<site>/work}),
 *     the sibling {@code agents} of the data directory; the baselines split each site's rows
 *     with the secret its agent keeps there
 * @param testIds a published split (TCGA-BRCA's test patients), or empty: each site splits by its secret
 */
record DemoData(
        String format,
        TabularSchema schema,
        List<Site> sites,
        String description,
        Path agentsDir,
        List<String> testIds) {
    static final double TEST_FRACTION = 0.25;
    static final long SPLIT_SEED = 20261125L;
    /** Patients per synthetic hospital and the generator's seed. */
    static final int ROWS_PER_SITE = 400;

    static final long SYNTHETIC_SEED = 11L;

    record Site(String name, Path dataFile) {}

    DemoData(String format, TabularSchema schema, List<Site> sites, String description, Path agentsDir) {
        this(format, schema, sites, description, agentsDir, List.of());
    }

    /** Whether the demo's study is a survival study (TCGA-BRCA): its metric is then Harrell's C-index. */
    boolean survival() {
        return schema.isSurvival();
    }

    static DemoData prepare(DemoOptions o, Path dir) throws IOException {
        Files.createDirectories(dir);
        if (o.dataset().equals("tcga-brca")) {
            Path source = o.dataDir().toAbsolutePath();
            if (!Files.isRegularFile(TcgaBrca.table(source)) || !Files.isRegularFile(TcgaBrca.splitFile(source))) {
                throw new IllegalArgumentException("missing " + TcgaBrca.table(source) + " or "
                        + TcgaBrca.splitFile(source) + "; --data-dir must hold brca.csv and train_test_split.csv");
            }
            var sites = new ArrayList<Site>();
            for (var e : TcgaBrca.writeRegionFiles(source, dir).entrySet()) {
                sites.add(new Site(e.getKey(), e.getValue()));
            }
            return new DemoData(
                    "csv",
                    TcgaBrca.schema(source),
                    sites,
                    "TCGA-BRCA, 6 regions as hospitals (TCGA; Liu et al. 2018; FLamby split), survival (time T,"
                            + " event E), read from " + source + "; each region's rows written to " + dir,
                    agentsDir(dir),
                    List.copyOf(TcgaBrca.testIds(source)));
        }
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
        return DatasetSchemas.toSpec(schema, format, positiveAbove(), TEST_FRACTION, SPLIT_SEED).toBuilder()
                .addAllTestIds(testIds)
                .build();
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
        var dataset = new HashMap<String, Object>(Map.of(
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
        if (schema.idColumn() != null) {
            dataset.put("idColumn", schema.idColumn());
        }
        if (!testIds.isEmpty()) {
            dataset.put("testIds", testIds);
        }
        if (survival()) {
            dataset.put("task", "survival");
            dataset.put("timeColumn", schema.survival().timeColumn());
            dataset.put("eventColumn", schema.labelColumn());
            dataset.put("cutPoints", schema.survival().cutPoints());
        }
        spec.put("dataset", dataset);
        spec.put("rounds", o.rounds());
        spec.put("minSites", sites.size());
        spec.put("roundTimeoutSeconds", 300);
        spec.put("maxRetries", 3);
        spec.put("privacy", privacy.studyJson());
        if (o.strategy() != null) {
            spec.put("strategy", o.strategy());
            if (!o.strategyOptions(o.strategy()).isEmpty()) {
                spec.put("strategyOptions", o.strategyOptions(o.strategy()));
            }
        }
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
