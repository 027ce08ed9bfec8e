package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticHospitalsTest {

    @TempDir
    Path dir;

    @Test
    void generationIsDeterministicForSeed() {
        SyntheticHospitals a = SyntheticHospitals.generate(3, 50, 9);
        SyntheticHospitals b = SyntheticHospitals.generate(3, 50, 9);
        SyntheticHospitals c = SyntheticHospitals.generate(3, 50, 10);

        for (int s = 0; s < 3; s++) {
            assertThat(a.sites().get(s).rows()).isDeepEqualTo(b.sites().get(s).rows());
        }
        assertThat(a.sites().get(0).rows()).isNotEqualTo(c.sites().get(0).rows());
    }

    @Test
    void writtenCsvLoadsToTheSameDatasetAsDirectEncoding() throws IOException {
        SyntheticHospitals hospitals = SyntheticHospitals.generate(2, 30, 1);

        List<Path> files = hospitals.writeCsv(dir);

        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("site-0.csv", "site-1.csv");
        assertThat(Files.readAllLines(files.get(0)).getFirst())
                .startsWith("marker01,marker02,")
                .endsWith(",outcome");
        for (int s = 0; s < 2; s++) {
            LoadedTable loaded = CsvTableLoader.load(files.get(s), hospitals.schema());
            assertThat(loaded.rowsDroppedForMissingValues()).isZero();
            assertThat(loaded.dataset().features())
                    .isDeepEqualTo(hospitals.dataset(s).features());
            assertThat(loaded.dataset().labels())
                    .containsExactly(hospitals.dataset(s).labels());
        }
    }

    @Test
    void eachSiteVariesOnlyInItsOwnMarkers() {
        SyntheticHospitals hospitals = SyntheticHospitals.generate(3, 400, 2);

        for (int s = 0; s < 3; s++) {
            TabularDataset site = hospitals.dataset(s);
            for (int j = 0; j < SyntheticHospitals.NUM_FEATURES; j++) {
                double sd = sd(site, j);
                if (j % 3 == s) {
                    assertThat(sd).as("site %d own marker %d", s, j).isCloseTo(1, within(0.15));
                } else {
                    assertThat(sd).as("site %d other marker %d", s, j).isLessThan(0.1);
                }
            }
        }
    }

    @Test
    void sitesHaveDifferentOutcomeRates() {
        SyntheticHospitals hospitals = SyntheticHospitals.generate(3, 400, 3);

        double first = rate(hospitals.dataset(0));
        double last = rate(hospitals.dataset(2));

        assertThat(first).isBetween(0.2, 0.5);
        assertThat(last).isBetween(0.5, 0.8);
        assertThat(last - first).isGreaterThan(0.15);
    }

    private static double rate(TabularDataset data) {
        return (double) data.classCounts()[1] / data.size();
    }

    private static double sd(TabularDataset data, int column) {
        double mean = Arrays.stream(data.features())
                .mapToDouble(r -> r[column])
                .average()
                .orElseThrow();
        double squares = Arrays.stream(data.features())
                .mapToDouble(r -> (r[column] - mean) * (r[column] - mean))
                .sum();
        return Math.sqrt(squares / (data.size() - 1));
    }
}
