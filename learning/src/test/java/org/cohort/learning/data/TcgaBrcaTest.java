package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCGA-BRCA's regions as six hospital files, read with the study's schema and split by the
 * published test ids: the row counts of the data set's README (train/test per region). Skipped where
 * the shared data set is absent.
 */
class TcgaBrcaTest {

    @Test
    void sixRegionsWithThePublishedSplit(@TempDir Path dir) throws Exception {
        var found = TcgaBrca.locateDataDirectory();
        assumeTrue(found.isPresent(), "TCGA-BRCA not found under shared/datasets/fed-tcga-brca; skipped");
        Path data = found.get();
        TabularSchema schema = TcgaBrca.schema(data);
        assertThat(schema.numEncodedFeatures()).isEqualTo(39);
        assertThat(schema.numClasses()).isEqualTo(TcgaBrca.CUT_POINTS.size() + 1);
        var rule = new SplitRule.Published(TcgaBrca.testIds(data));
        Map<String, Path> files = TcgaBrca.writeRegionFiles(data, dir);
        assertThat(files.keySet()).containsExactlyElementsOf(TcgaBrca.REGIONS);
        List<int[]> expected = List.of(
                new int[] {248, 63},
                new int[] {156, 40},
                new int[] {164, 42},
                new int[] {129, 33},
                new int[] {129, 33},
                new int[] {40, 11});
        var ids = new HashSet<String>();
        int events = 0;
        for (int k = 0; k < TcgaBrca.REGIONS.size(); k++) {
            LoadedTable table = CsvTableLoader.load(files.get(TcgaBrca.REGIONS.get(k)), schema);
            assertThat(table.rowsDroppedForMissingValues()).isZero();
            ids.addAll(table.patientIds());
            SplitData split = TrainTestSplit.split(table, rule);
            assertThat(new int[] {split.train().size(), split.test().size()})
                    .as(TcgaBrca.REGIONS.get(k))
                    .containsExactly(expected.get(k));
            for (boolean e : table.dataset().survival().events()) {
                events += e ? 1 : 0;
            }
        }
        assertThat(ids).hasSize(1088);
        assertThat(events).isPositive();
    }
}
