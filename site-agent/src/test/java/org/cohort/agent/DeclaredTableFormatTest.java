package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.learning.data.TableFormatException;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.TableFormatSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A site reads its table as the study declares it is written, and refuses a file that is written otherwise. */
class DeclaredTableFormatTest {
    @TempDir
    Path dir;

    private static DatasetSpec dataset(TableFormatSpec table) {
        var b = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("num")
                .setPositiveAbove(0.5)
                .setTestFraction(0.25)
                .setSplitSeed(1)
                .addFeatures(FeatureColumnSpec.newBuilder()
                        .setName("age")
                        .setHasScaling(true)
                        .setCenter(50)
                        .setScale(10));
        return table == null ? b.build() : b.setTable(table).build();
    }

    @Test
    void aSemicolonFileWithoutHeaderAndNaMarkersIsReadAsDeclared() throws Exception {
        Path csv = Files.writeString(dir.resolve("site.csv"), "61;1\n45;0\nNA;1\n50;0\n'55';1\n");
        var table = TableFormatSpec.newBuilder()
                .setDelimiter(";")
                .setQuote("'")
                .addColumns("age")
                .addColumns("num")
                .addMissing("NA")
                .build();

        var format = DatasetSchemas.tableFormat(dataset(table));
        assertThat(format.delimiter()).isEqualTo(';');
        assertThat(format.quote()).isEqualTo('\'');
        assertThat(format.hasHeader()).isFalse();

        var data = new Dl4jLearner(csv).data(dataset(table));
        // The NA row is dropped; the quoted value is read without its quotes.
        assertThat(data.train().size() + data.test().size()).isEqualTo(4);
    }

    @Test
    void theDefaultFormatIsCommasDoubleQuotesAHeaderAndEmptyOrQuestionMarkMissing() {
        var format = DatasetSchemas.tableFormat(dataset(null));
        assertThat(format.delimiter()).isEqualTo(',');
        assertThat(format.quote()).isEqualTo('"');
        assertThat(format.hasHeader()).isTrue();
        assertThat(format.missing()).containsExactlyInAnyOrder("", "?");
        var noQuote = DatasetSchemas.tableFormat(
                dataset(TableFormatSpec.newBuilder().setNoQuote(true).build()));
        assertThat(noQuote.quote()).isNull();
    }

    @Test
    void aCommaFileUnderASemicolonDeclarationIsRefusedBeforeTraining() throws Exception {
        Path csv = Files.writeString(dir.resolve("site.csv"), "age,num\n61,1\n45,0\n");
        var table = TableFormatSpec.newBuilder().setDelimiter(";").build();
        assertThatThrownBy(() -> new Dl4jLearner(csv).data(dataset(table)))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining("holding commas");
    }
}
