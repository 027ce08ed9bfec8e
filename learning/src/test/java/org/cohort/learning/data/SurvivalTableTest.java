package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading survival tables: times into intervals, and the bad inputs refused with the column named. */
class SurvivalTableTest {

    static final TabularSchema SCHEMA = TabularSchema.survival(
            List.of(FeatureColumn.numeric("age", 50, 10)), "E", new SurvivalTarget("T", List.of(365.0, 1095.0)), "pid");

    @TempDir
    Path dir;

    Path write(String... lines) throws IOException {
        Path file = dir.resolve("site.csv");
        Files.write(file, List.of(lines));
        return file;
    }

    @Test
    void timesFallIntoTheDeclaredIntervals() throws IOException {
        LoadedTable table = CsvTableLoader.load(
                write("pid,age,E,T", "a,60,1,100", "b,40,0,365", "c,70,1.0,2000", "d,55,0,1094.5"), SCHEMA);
        TabularDataset data = table.dataset();
        assertThat(data.numClasses()).isEqualTo(3);
        assertThat(data.labels()).containsExactly(0, 1, 2, 1);
        assertThat(data.survival().times()).containsExactly(100, 365, 2000, 1094.5);
        assertThat(data.survival().events()).containsExactly(true, false, true, false);
        assertThat(table.patientIds()).containsExactly("a", "b", "c", "d");
        TabularDataset selected = data.select(new int[] {2, 0});
        assertThat(selected.survival().times()).containsExactly(2000, 100);
        assertThat(TabularDataset.concat(List.of(data, selected)).survival().events())
                .containsExactly(true, false, true, false, true, true);
    }

    @Test
    void badOutcomesAreRefusedNamingLineAndColumn() throws IOException {
        assertThatThrownBy(() -> CsvTableLoader.load(write("pid,age,E,T", "a,60,1,-3"), SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining(".csv:2:")
                .hasMessageContaining("'T'")
                .hasMessageContaining("negative time");
        assertThatThrownBy(() -> CsvTableLoader.load(write("pid,age,E,T", "a,60,2,30"), SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining("'E'")
                .hasMessageContaining("not 0 (censored) or 1");
        assertThatThrownBy(() -> CsvTableLoader.load(write("pid,age,E,T", "a,60,1,soon"), SCHEMA))
                .hasMessageContaining("'T'");
        assertThatThrownBy(() -> CsvTableLoader.load(write("pid,age,E", "a,60,1"), SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining("no column T");
    }

    @Test
    void cutPointsAreCheckedAndTheTimeColumnStandsAlone() {
        assertThatThrownBy(() -> new SurvivalTarget("T", List.of(10.0, 10.0)))
                .hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> new SurvivalTarget("T", List.of())).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new SurvivalTarget("T", List.of(-1.0))).hasMessageContaining("positive");
        assertThatThrownBy(() -> TabularSchema.survival(
                        List.of(FeatureColumn.numeric("T", 0, 1)), "E", new SurvivalTarget("T", List.of(1.0)), null))
                .hasMessageContaining("time column 'T'");
        assertThat(new SurvivalTarget("T", List.of(1.0, 2.0)).intervalOf(2.0)).isEqualTo(2);
    }
}
