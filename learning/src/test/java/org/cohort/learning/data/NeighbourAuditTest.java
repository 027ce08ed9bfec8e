package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.cohort.learning.audit.BrokenPipeline;
import org.junit.jupiter.api.Test;

/**
 * The neighbouring-table audit on the site's real pipeline (passes) and on the pipeline sites ran
 * before (a seeded stratified shuffle, standardisation from the site's rows), which it must catch:
 * an audit that cannot see a known leak proves nothing.
 */
class NeighbourAuditTest {

    static final SplitRule RULE = new SplitRule.Keyed(TrainTestSplitTest.key(3), 0.25, 20261125L);

    @Test
    void theSitePipelineChangesNothingButTheRemovedRowOnHeartDisease() throws IOException {
        Optional<Path> directory = HeartDisease.locateDataDirectory();
        assumeTrue(directory.isPresent(), "Heart Disease data not found (set cohort.heart.data)");
        for (String centre : HeartDisease.centres()) {
            LoadedTable table = HeartDisease.load(HeartDisease.file(directory.get(), centre));

            var result = NeighbourAudit.removeEachRow(
                    table.dataset(),
                    table.rowKeys(),
                    SitePipeline.of(HeartDisease.schema(), RULE, PreprocessingPolicy.DECLARED_ONLY));

            System.out.println("neighbour audit, " + centre + ", site pipeline: " + result);
            assertThat(result.passes()).as(centre + ": " + result).isTrue();
            assertThat(result.neighbours()).isEqualTo(table.dataset().size());
        }
    }

    @Test
    void theAuditCatchesTheSeededShuffleAndStandardisationFromData() throws IOException {
        Optional<Path> directory = HeartDisease.locateDataDirectory();
        assumeTrue(directory.isPresent(), "Heart Disease data not found (set cohort.heart.data)");
        TabularSchema fromData = BrokenPipeline.standardisedFromData(HeartDisease.schema());
        LoadedTable cleveland = CsvTableLoader.loadHeaderless(
                HeartDisease.file(directory.get(), "cleveland"), HeartDisease.FILE_COLUMNS, fromData);

        var shuffle = NeighbourAudit.removeEachRow(
                cleveland.dataset(), cleveland.rowKeys(), new BrokenPipeline.SeededShuffle(0.25, 20261125L));
        var standardised = NeighbourAudit.removeEachRow(
                cleveland.dataset(),
                cleveland.rowKeys(),
                SitePipeline.of(fromData, RULE, PreprocessingPolicy.DATA_STATISTICS_ALLOWED));

        System.out.println("neighbour audit, cleveland, seeded shuffle split (before): " + shuffle);
        System.out.println(
                "neighbour audit, cleveland, keyed split + standardisation from data (before): " + standardised);
        assertThat(shuffle.maxRowsMoved()).isGreaterThan(10);
        assertThat(standardised.maxRowsMoved()).isZero();
        assertThat(standardised.maxRowsChanged())
                .isGreaterThan(cleveland.dataset().size() / 2);
    }

    @Test
    void removingOneOf400RowsMovedManyOthersBeforeAndNoneNow() {
        TabularDataset site = TrainTestSplitTest.numbered(400, 120);
        TabularSchema schema = new TabularSchema(
                List.of(FeatureColumn.numeric("n", 0, 1), FeatureColumn.numeric("y", 0, 1)),
                "y2",
                LabelRule.classIndex(2));

        var before = NeighbourAudit.removeEachRow(site, RowKeys.content(), new BrokenPipeline.SeededShuffle(0.25, 1));
        var now = NeighbourAudit.removeEachRow(
                site, RowKeys.content(), SitePipeline.of(schema, RULE, PreprocessingPolicy.DECLARED_ONLY));

        System.out.println("neighbour audit, 400 rows, seeded shuffle split (before): " + before);
        System.out.println("neighbour audit, 400 rows, keyed split (now): " + now);
        assertThat(before.maxRowsMoved()).isGreaterThan(50);
        assertThat(now.passes()).isTrue();
    }
}
