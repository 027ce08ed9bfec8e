package org.cohort.learning.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates a network of hospitals whose data is non-IID in the way that makes federated learning
 * worth doing: no site alone can learn the model that all sites together can.
 *
 * <p>One global rule labels every patient: {@code P(outcome = 1) = sigmoid(SIGNAL · w·z)} over
 * {@value #NUM_FEATURES} standardised markers z (the logistic draw is the label noise). Each site
 * sees variation only in its own subset of markers (marker j belongs to site {@code j mod sites});
 * at that site they are {@code N(μ, 1)} with a small site-specific shift μ, while every other
 * marker sits almost constant ({@code ±}{@value #CONSTANT_SD}) at a site-specific offset, as when
 * a hospital measures something under one fixed protocol. The offsets are chosen so that mean risk
 * differs across sites, giving different outcome rates (roughly 35 % to 65 %).
 *
 * <p>Consequences, with logistic regression: a model trained on the pooled data recovers w; a
 * model trained at one site learns only that site's markers and is little better than chance on
 * the others; FedAvg recovers w because each site contributes the weights of its own markers.
 *
 * <p>Raw values are {@code 50 + 10·z} (like a lab value in arbitrary units) and the schema declares
 * that scaling. Declared, not per-site, scaling is essential here: standardising a nearly constant
 * marker with a site's own statistics would turn it into pure noise at that site.
 */
public final class SyntheticHospitals {

    /** Markers in the global rule. */
    public static final int NUM_FEATURES = 12;
    /** Multiplier of the rule's logit: larger means less label noise (Bayes accuracy about 90 %). */
    public static final double SIGNAL = 2.5;
    /** Spread of a marker at a site that does not own it. */
    public static final double CONSTANT_SD = 0.05;
    /** Spread of the site-specific shift of a site's own markers. */
    public static final double OWN_SHIFT_SD = 0.3;
    /** The mean of w·z at the first and last site (linearly in between): sets the outcome rates. */
    public static final double MEAN_RISK_SPREAD = 0.9;

    static final double RAW_CENTER = 50;
    static final double RAW_SCALE = 10;
    static final String LABEL_COLUMN = "outcome";

    private final TabularSchema schema;
    private final List<SiteTable> sites;

    private SyntheticHospitals(TabularSchema schema, List<SiteTable> sites) {
        this.schema = schema;
        this.sites = List.copyOf(sites);
    }

    /**
     * Generates {@code sites} hospitals of {@code rowsPerSite} patients each, reproducibly for
     * {@code seed} ({@link Random} draws the rule first, then each site in turn).
     */
    public static SyntheticHospitals generate(int sites, int rowsPerSite, long seed) {
        if (sites < 1) {
            throw new IllegalArgumentException("sites must be at least 1, was " + sites);
        }
        if (rowsPerSite < 1) {
            throw new IllegalArgumentException("rowsPerSite must be at least 1, was " + rowsPerSite);
        }
        Random random = new Random(seed);
        double[] w = new double[NUM_FEATURES];
        for (int j = 0; j < NUM_FEATURES; j++) {
            w[j] = (j % 2 == 0 ? 1 : -1) * (0.8 + 0.8 * random.nextDouble());
        }
        List<String> columns = new ArrayList<>();
        List<FeatureColumn> features = new ArrayList<>();
        for (int j = 0; j < NUM_FEATURES; j++) {
            String name = String.format("marker%02d", j + 1);
            columns.add(name);
            features.add(FeatureColumn.numeric(name, RAW_CENTER, RAW_SCALE));
        }
        columns.add(LABEL_COLUMN);
        TabularSchema schema = new TabularSchema(features, LABEL_COLUMN, LabelRule.classIndex(2));

        List<SiteTable> tables = new ArrayList<>();
        for (int s = 0; s < sites; s++) {
            double targetRisk = sites == 1 ? 0 : -MEAN_RISK_SPREAD + 2 * MEAN_RISK_SPREAD * s / (sites - 1);
            double[] centre = siteCentre(s, sites, w, targetRisk, random);
            double[][] rows = new double[rowsPerSite][NUM_FEATURES + 1];
            for (double[] row : rows) {
                double risk = 0;
                for (int j = 0; j < NUM_FEATURES; j++) {
                    double sd = owns(s, j, sites) ? 1 : CONSTANT_SD;
                    double z = centre[j] + sd * random.nextGaussian();
                    risk += w[j] * z;
                    row[j] = round3(RAW_CENTER + RAW_SCALE * z);
                }
                double probability = 1 / (1 + Math.exp(-SIGNAL * risk));
                row[NUM_FEATURES] = random.nextDouble() < probability ? 1 : 0;
            }
            tables.add(new SiteTable("site-" + s, columns, rows));
        }
        return new SyntheticHospitals(schema, tables);
    }

    // Own markers: small random shift. Other markers: random offsets in [-1, 1], then moved along w
    // so that the site's mean w·z equals targetRisk, which fixes its outcome rate.
    private static double[] siteCentre(int s, int sites, double[] w, double targetRisk, Random random) {
        double[] centre = new double[NUM_FEATURES];
        double risk = 0;
        double otherWeightSquares = 0;
        for (int j = 0; j < NUM_FEATURES; j++) {
            centre[j] = owns(s, j, sites) ? OWN_SHIFT_SD * random.nextGaussian() : 2 * random.nextDouble() - 1;
            risk += w[j] * centre[j];
            if (!owns(s, j, sites)) {
                otherWeightSquares += w[j] * w[j];
            }
        }
        if (otherWeightSquares > 0) {
            double step = (targetRisk - risk) / otherWeightSquares;
            for (int j = 0; j < NUM_FEATURES; j++) {
                if (!owns(s, j, sites)) {
                    centre[j] += step * w[j];
                }
            }
        }
        return centre;
    }

    private static boolean owns(int site, int feature, int sites) {
        return feature % sites == site;
    }

    // Three decimals is what a lab export would carry; the rounding error (1e-4 after scaling) is irrelevant.
    private static double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** The schema every site loads its table with (declared scaling, label {@code outcome} in {0, 1}). */
    public TabularSchema schema() {
        return schema;
    }

    /** The raw tables, site 0 first. */
    public List<SiteTable> sites() {
        return sites;
    }

    /** Site {@code site}'s table encoded with {@link #schema()}, exactly as loading its CSV would give. */
    public TabularDataset dataset(int site) {
        SiteTable table = sites.get(site);
        RowEncoder encoder = new RowEncoder(schema, table.columns(), TableFormat.DEFAULT::isMissing);
        float[][] features = new float[table.size()][];
        int[] labels = new int[table.size()];
        for (int i = 0; i < table.size(); i++) {
            String[] cells = cells(table.rows()[i]);
            features[i] = new float[schema.numEncodedFeatures()];
            encoder.encodeFeatures(cells, features[i]);
            labels[i] = encoder.encodeLabel(cells);
        }
        return new TabularDataset(features, labels, schema.numClasses());
    }

    /**
     * Writes {@code site-<i>.csv} (i from 0) with a header row into {@code dir}, creating it if
     * needed, and returns the files in site order; load each with {@link CsvTableLoader#load}.
     */
    public List<Path> writeCsv(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (SiteTable table : sites) {
            Path file = dir.resolve(table.name() + ".csv");
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                out.write(String.join(",", table.columns()));
                out.newLine();
                for (double[] row : table.rows()) {
                    out.write(String.join(",", cells(row)));
                    out.newLine();
                }
            }
            files.add(file);
        }
        return List.copyOf(files);
    }

    private static String[] cells(double[] row) {
        String[] cells = new String[row.length];
        for (int j = 0; j < row.length; j++) {
            cells[j] = row[j] == Math.rint(row[j]) && Math.abs(row[j]) < 1e15
                    ? Long.toString((long) row[j])
                    : Double.toString(row[j]);
        }
        return cells;
    }
}
