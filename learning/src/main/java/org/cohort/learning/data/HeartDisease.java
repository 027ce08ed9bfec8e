package org.cohort.learning.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The UCI Heart Disease data from four centres (Janosi, Steinbrunn, Pfisterer, Detrano 1988;
 * UCI Machine Learning Repository, CC BY 4.0): a real cross-silo split, one file per centre.
 *
 * <p>Preparation follows common practice for this federated benchmark: columns slope, ca and
 * thal are dropped (mostly missing outside Cleveland), then rows with any other missing value
 * (740 of 920 rows remain), the label is {@code num > 0}, and cp and restecg are one-hot
 * encoded. Numeric columns use declared clinical scaling rather than per-site standardisation,
 * so that every centre maps a patient to the same feature vector, and so that the scaling is
 * data-independent, as a differentially private study requires (statistics of a site's rows would
 * make every patient's inputs depend on every other patient's). The centres are published
 * clinical cut-offs and the scales round numbers spanning the usual clinical range; none was
 * computed from these files:
 * <ul>
 *   <li>age: (years − 50) / 10 — a round reference age, one decade per unit
 *   <li>trestbps, resting systolic blood pressure: (mmHg − 130) / 20 — 130 mmHg is where stage 1
 *       hypertension begins in the 2017 ACC/AHA blood pressure guideline (Whelton et al. 2018)
 *   <li>chol, serum cholesterol: (mg/dl − 200) / 100 — 200 mg/dl is the upper limit of "desirable"
 *       total cholesterol (NCEP ATP III, 2002); a wide scale because Switzerland records unknown
 *       cholesterol as 0, which would otherwise dominate a linear model
 *   <li>thalach, maximum heart rate: (beats/min − 140) / 25 — 85 % of the age-predicted maximum
 *       220 − age (Fox et al. 1971) at 55, the usual target of a submaximal exercise test
 *   <li>oldpeak, exercise ST depression: (mm − 1) / 1 — 1 mm is the usual criterion of a positive
 *       exercise ECG (ACC/AHA exercise testing guideline, Gibbons et al. 2002)
 *   <li>sex, fbs (fasting blood sugar &gt; 120 mg/dl), exang (exercise angina): 0/1 as recorded
 * </ul>
 * The encoded vector has 15 features: age, sex, cp=1..4, trestbps, chol, fbs, restecg=0..2,
 * thalach, exang, oldpeak.
 */
public final class HeartDisease {

    /** The 14 columns of each headerless {@code processed.<centre>.data} file, in order. */
    public static final List<String> FILE_COLUMNS = List.of(
            "age",
            "sex",
            "cp",
            "trestbps",
            "chol",
            "fbs",
            "restecg",
            "thalach",
            "exang",
            "oldpeak",
            "slope",
            "ca",
            "thal",
            "num");

    private static final List<String> CENTRES = List.of("cleveland", "hungarian", "switzerland", "va");

    private static final TabularSchema SCHEMA = new TabularSchema(
            List.of(
                    FeatureColumn.numeric("age", 50, 10),
                    FeatureColumn.numeric("sex", 0, 1),
                    FeatureColumn.categorical("cp", "1", "2", "3", "4"),
                    FeatureColumn.numeric("trestbps", 130, 20),
                    FeatureColumn.numeric("chol", 200, 100),
                    FeatureColumn.numeric("fbs", 0, 1),
                    FeatureColumn.categorical("restecg", "0", "1", "2"),
                    FeatureColumn.numeric("thalach", 140, 25),
                    FeatureColumn.numeric("exang", 0, 1),
                    FeatureColumn.numeric("oldpeak", 1, 1)),
            "num",
            LabelRule.positiveIfGreaterThan(0));

    private HeartDisease() {}

    /** The prepared schema (15 encoded features, binary label). */
    public static TabularSchema schema() {
        return SCHEMA;
    }

    /** The four centres, in the order of the original publication: cleveland, hungarian, switzerland, va. */
    public static List<String> centres() {
        return CENTRES;
    }

    /** The file of {@code centre} inside the data directory. */
    public static Path file(Path directory, String centre) {
        if (!CENTRES.contains(centre)) {
            throw new IllegalArgumentException("unknown centre '" + centre + "'; use one of " + CENTRES);
        }
        return directory.resolve("processed." + centre + ".data");
    }

    /** Loads and prepares one centre's file. Missing values are dropped only in the columns kept. */
    public static LoadedTable load(Path file) throws IOException {
        return CsvTableLoader.loadHeaderless(file, FILE_COLUMNS, SCHEMA);
    }

    /**
     * Finds the data directory without copying the data anywhere: the system property
     * {@code cohort.heart.data}, the environment variable {@code COHORT_HEART_DATA}, or
     * {@code shared/datasets/fed-heart-disease} next to the working directory or up to two
     * levels above it (a module directory of the repository).
     */
    public static Optional<Path> locateDataDirectory() {
        String property = System.getProperty("cohort.heart.data");
        if (property != null) {
            return existing(Path.of(property));
        }
        String env = System.getenv("COHORT_HEART_DATA");
        if (env != null) {
            return existing(Path.of(env));
        }
        for (String candidate : List.of(
                "shared/datasets/fed-heart-disease",
                "../shared/datasets/fed-heart-disease",
                "../../shared/datasets/fed-heart-disease")) {
            Optional<Path> found = existing(Path.of(candidate));
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> existing(Path directory) {
        return Files.isRegularFile(directory.resolve("processed.cleveland.data"))
                ? Optional.of(directory.toAbsolutePath().normalize())
                : Optional.empty();
    }
}
