package org.cohort.learning.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * TCGA-BRCA as preprocessed and split by FLamby (owkin/FLamby {@code fed_tcga_brca}; Andreux et al.
 * 2020; Liu et al., Cell 2018; open-access tier of the NCI GDC): 1,088 breast-cancer patients in six
 * regions that act as six hospitals, with the benchmark's fixed train/test split, and a survival
 * outcome (time in days to death or censoring, and whether the death was observed).
 *
 * <p>The data stay where they are ({@code ../shared/datasets/fed-tcga-brca}); {@link #writeRegionFiles}
 * writes each region's rows of {@code brca.csv} to a file of its own, as each hospital would hold
 * its own table. The study declares everything a site needs up front: the 39 features with scaling
 * fixed before looking at the data ({@code age_at_index}: (years − 60) / 10, a round reference age
 * near the median age at diagnosis of breast cancer; the 38 one-hot clinical columns as recorded),
 * the published test ids, and the cut points of the discrete-time model: 1, 2, 3, 5 and 10 years of
 * follow-up (in days), round clinical landmarks rather than quantiles of anyone's times.
 */
public final class TcgaBrca {

    /** The regions in the order of the split file's {@code fold2} index 0..5 (by the tissue source sites of centers.csv). */
    public static final List<String> REGIONS = List.of("northeast", "south", "west", "midwest", "europe", "canada");

    public static final String ID_COLUMN = "pid";
    public static final String EVENT_COLUMN = "E";
    public static final String TIME_COLUMN = "T";
    public static final String AGE_COLUMN = "age_at_index";
    /** 1, 2, 3, 5 and 10 years in days: six intervals. */
    public static final List<Double> CUT_POINTS = List.of(365.0, 730.0, 1096.0, 1826.0, 3652.0);

    private TcgaBrca() {}

    /** The patients' table inside the data directory. */
    public static Path table(Path directory) {
        return directory.resolve("brca.csv");
    }

    /** The split file inside the data directory. */
    public static Path splitFile(Path directory) {
        return directory.resolve("train_test_split.csv");
    }

    /** The study's schema: the table's features, event E, time T, patient id pid. */
    public static TabularSchema schema(Path directory) throws IOException {
        List<String> header = header(table(directory));
        List<FeatureColumn> features = new ArrayList<>();
        for (String column : header) {
            if (column.equals(ID_COLUMN) || column.equals(EVENT_COLUMN) || column.equals(TIME_COLUMN)) {
                continue;
            }
            features.add(
                    column.equals(AGE_COLUMN)
                            ? FeatureColumn.numeric(column, 60, 10)
                            : FeatureColumn.numeric(column, 0, 1));
        }
        return TabularSchema.survival(features, EVENT_COLUMN, new SurvivalTarget(TIME_COLUMN, CUT_POINTS), ID_COLUMN);
    }

    /** The published test patients (all regions). */
    public static Set<String> testIds(Path directory) throws IOException {
        Set<String> ids = new TreeSet<>();
        for (String[] row : rows(splitFile(directory))) {
            if (row[1].equals("test")) {
                ids.add(row[0]);
            }
        }
        return ids;
    }

    /** Each patient's region (0..5), from the split file's {@code fold2} ({@code train_k} / {@code test_k}). */
    public static Map<String, Integer> regions(Path directory) throws IOException {
        Map<String, Integer> regions = new HashMap<>();
        for (String[] row : rows(splitFile(directory))) {
            String fold = row[2];
            regions.put(row[0], Integer.parseInt(fold.substring(fold.indexOf('_') + 1)));
        }
        return regions;
    }

    /**
     * Writes each region's patients (header and rows of {@code brca.csv} as they are) to
     * {@code <out>/<region>.csv}, in {@link #REGIONS} order; patients the split file does not place
     * (8 of 1,096 rows, dropped by FLamby too) are left out.
     */
    public static Map<String, Path> writeRegionFiles(Path directory, Path out) throws IOException {
        Map<String, Integer> regions = regions(directory);
        List<String> lines = Files.readAllLines(table(directory), StandardCharsets.UTF_8);
        Map<String, Path> files = new LinkedHashMap<>();
        List<List<String>> byRegion = new ArrayList<>();
        for (int k = 0; k < REGIONS.size(); k++) {
            byRegion.add(new ArrayList<>(List.of(lines.getFirst())));
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String pid = line.substring(0, line.indexOf(','));
            Integer k = regions.get(pid);
            if (k != null) {
                byRegion.get(k).add(line);
            }
        }
        Files.createDirectories(out);
        for (int k = 0; k < REGIONS.size(); k++) {
            Path file = out.resolve(REGIONS.get(k) + ".csv");
            Files.write(file, byRegion.get(k), StandardCharsets.UTF_8);
            files.put(REGIONS.get(k), file);
        }
        return files;
    }

    /**
     * Finds the data directory without copying it: the system property {@code cohort.tcga.data},
     * the environment variable {@code COHORT_TCGA_DATA}, or {@code shared/datasets/fed-tcga-brca} in
     * the working directory or up to three levels above it (a module of a worktree).
     */
    public static Optional<Path> locateDataDirectory() {
        String property = System.getProperty("cohort.tcga.data");
        if (property != null) {
            return existing(Path.of(property));
        }
        String env = System.getenv("COHORT_TCGA_DATA");
        if (env != null) {
            return existing(Path.of(env));
        }
        Path at = Path.of("").toAbsolutePath();
        for (int up = 0; up <= 3 && at != null; up++, at = at.getParent()) {
            Optional<Path> found = existing(at.resolve("shared/datasets/fed-tcga-brca"));
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> existing(Path directory) {
        return Files.isRegularFile(table(directory)) && Files.isRegularFile(splitFile(directory))
                ? Optional.of(directory.toAbsolutePath().normalize())
                : Optional.empty();
    }

    private static List<String> header(Path csv) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            if (line == null) {
                throw new IOException(csv + " is empty");
            }
            return List.of(CsvTableLoader.split(line, csv, 1));
        }
    }

    private static List<String[]> rows(Path csv) throws IOException {
        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                rows.add(CsvTableLoader.split(lines.get(i), csv, i + 1));
            }
        }
        return rows;
    }
}
