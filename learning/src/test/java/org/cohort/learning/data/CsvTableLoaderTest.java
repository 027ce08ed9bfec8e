package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableLoaderTest {

    static final TabularSchema SCHEMA = new TabularSchema(
            List.of(
                    FeatureColumn.numeric("age", 50, 10),
                    FeatureColumn.categorical("ward", "icu", "general"),
                    FeatureColumn.locallyStandardised("crp")),
            "died",
            LabelRule.classIndex(2));

    @TempDir
    Path dir;

    @Test
    void loadsNamedColumnsInAnyOrderIgnoringExtraOnes() throws IOException {
        Path csv = write("id,died,crp,ward,age", "1,0,12.5,general,60", "2,1,3,icu,45");

        LoadedTable table = CsvTableLoader.load(csv, SCHEMA);

        assertThat(table.rowsRead()).isEqualTo(2);
        assertThat(table.rowsDroppedForMissingValues()).isZero();
        TabularDataset data = table.dataset();
        assertThat(data.numFeatures()).isEqualTo(4);
        assertThat(data.features()[0]).containsExactly(1.0f, 0f, 1f, 12.5f);
        assertThat(data.features()[1]).containsExactly(-0.5f, 1f, 0f, 3f);
        assertThat(data.labels()).containsExactly(0, 1);
        assertThat(SCHEMA.encodedFeatureNames()).containsExactly("age", "ward=icu", "ward=general", "crp");
    }

    @Test
    void readsPatientIdsWhenTheSchemaNamesAnIdColumnAndDropsRowsWithout() throws IOException {
        Path csv = write("id,died,crp,ward,age", "p-1,0,12.5,general,60", ",1,3,icu,45", "p-3,1,3,icu,45");

        LoadedTable table = CsvTableLoader.load(csv, SCHEMA.withIdColumn("id"));

        assertThat(table.patientIds()).containsExactly("p-1", "p-3");
        assertThat(table.rowsDroppedForMissingValues()).isEqualTo(1);
        assertThat(table.rowKeys()).isInstanceOf(RowKeys.PatientIds.class);
        assertThat(CsvTableLoader.load(csv, SCHEMA).rowKeys()).isEqualTo(RowKeys.content());
        assertThatThrownBy(() -> SCHEMA.withIdColumn("age")).hasMessageContaining("column of its own");
    }

    @Test
    void dropsAndCountsRowsWithMissingValuesInUsedColumnsOnly() throws IOException {
        Path csv = write(
                "age,ward,crp,died,note",
                "60,icu,1,0,", // missing only in an unused column: kept
                "?,icu,1,0,x", // missing age
                "61,,1,1,x", // missing ward
                "62,icu,2,,x", // missing label
                "", // blank lines are not rows
                "63,general,3,1,x");

        LoadedTable table = CsvTableLoader.load(csv, SCHEMA);

        assertThat(table.rowsRead()).isEqualTo(5);
        assertThat(table.rowsDroppedForMissingValues()).isEqualTo(3);
        assertThat(table.dataset().size()).isEqualTo(2);
    }

    @Test
    void csvLoaderNamesLineOfMalformedNumber() throws IOException {
        Path csv = write("age,ward,crp,died", "60,icu,1,0", "6O,icu,1,0");

        assertThatThrownBy(() -> CsvTableLoader.load(csv, SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining(csv + ":3")
                .hasMessageContaining("column 'age'")
                .hasMessageContaining("'6O' is not a finite number")
                .satisfies(e -> assertThat(((TableFormatException) e).line()).isEqualTo(3));
    }

    @Test
    void csvLoaderNamesMissingColumnsAndTheHeaderFound() throws IOException {
        Path csv = write("age,crp", "60,1");

        assertThatThrownBy(() -> CsvTableLoader.load(csv, SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining(csv.toString())
                .hasMessageContaining("no column ward, died")
                .hasMessageContaining("[age, crp]");
    }

    @Test
    void csvLoaderRejectsUnknownCategoryAndBadLabel() throws IOException {
        Path unknownWard = write("age,ward,crp,died", "60,maternity,1,0");
        Path badLabel = dir.resolve("label.csv");
        Files.writeString(badLabel, "age,ward,crp,died\n60,icu,1,2\n");

        assertThatThrownBy(() -> CsvTableLoader.load(unknownWard, SCHEMA))
                .hasMessageContaining(":2")
                .hasMessageContaining("'maternity' is not one of the declared levels [icu, general]");
        assertThatThrownBy(() -> CsvTableLoader.load(badLabel, SCHEMA))
                .hasMessageContaining("column 'died'")
                .hasMessageContaining("not a class index 0..1");
    }

    @Test
    void csvLoaderNamesLineOfRowWithWrongNumberOfValues() throws IOException {
        Path csv = write("age,ward,crp,died", "60,icu,1,0", "61,icu,1");

        assertThatThrownBy(() -> CsvTableLoader.load(csv, SCHEMA))
                .hasMessageContaining(":3")
                .hasMessageContaining("expected 4 values separated by commas");
    }

    @Test
    void readsQuotedFieldsAndByteOrderMark() throws IOException {
        Path csv = write("\uFEFFage,\"ward\",crp,died,comment", "60,\"icu\",1,1,\"said \"\"fine, thanks\"\"\"");

        TabularDataset data = CsvTableLoader.load(csv, SCHEMA).dataset();

        assertThat(data.size()).isEqualTo(1);
        assertThat(data.features()[0]).containsExactly(1.0f, 1f, 0f, 1f);
        assertThat(CsvTableLoader.split("a,\"b,c\",\"d\"\"e\"", csv, 1)).containsExactly("a", "b,c", "d\"e");
    }

    @Test
    void readsTheDeclaredDelimiterQuoteMissingMarkersAndValuesSpanningLines() throws IOException {
        // A European spreadsheet export: semicolons, decimal points kept, "NA" for not recorded, and a
        // quoted free-text note holding the delimiter, a doubled quote and a line break.
        Path csv = write(
                "age;ward;crp;died;note",
                "60;icu;1;0;\"said \"\"fine\"\"; then\nworse\"",
                "45;general;NA;1;x",
                "50;general;2;1;y");
        var format = new TableFormat(';', '"', null, java.util.Set.of("NA", ""));

        LoadedTable table = CsvTableLoader.load(csv, SCHEMA, format);

        assertThat(table.rowsRead()).isEqualTo(3);
        assertThat(table.rowsDroppedForMissingValues()).isEqualTo(1);
        assertThat(table.dataset().features()[0]).containsExactly(1.0f, 1f, 0f, 1f);
        assertThat(table.dataset().labels()).containsExactly(0, 1);
        // Read with the default format, the same file is refused with what to check, not misread.
        assertThatThrownBy(() -> CsvTableLoader.load(csv, SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining("holding semicolons");
    }

    @Test
    void readsATabSeparatedFileWithoutHeaderWhoseColumnsTheStudyNames() throws IOException {
        Path csv = write("60\ticu\t1\t0", "45\tgeneral\t3\t1");
        var format = new TableFormat('\t', null, List.of("age", "ward", "crp", "died"), java.util.Set.of(""));

        LoadedTable table = CsvTableLoader.load(csv, SCHEMA, format);

        assertThat(table.rowsRead()).isEqualTo(2);
        assertThat(table.dataset().labels()).containsExactly(0, 1);
        assertThat(table.dataset().features()[1]).containsExactly(-0.5f, 0f, 1f, 3f);
    }

    @Test
    void aQuoteLeftOpenIsAnErrorNamingTheFileNotATruncatedRow() throws IOException {
        Path csv = write("age,ward,crp,died", "60,icu,1,0", "45,\"general,3,1", "50,icu,2,1");

        assertThatThrownBy(() -> CsvTableLoader.load(csv, SCHEMA))
                .isInstanceOf(TableFormatException.class)
                .hasMessageContaining(csv.toString())
                .hasMessageContaining("quoted value is not closed")
                .satisfies(e -> assertThat(((TableFormatException) e).problem())
                        .isEqualTo(TableFormatException.Problem.UNCLOSED_QUOTE));
    }

    @Test
    void aFormatThatCannotBeReadUnambiguouslyIsRefusedWithWhatToDo() {
        var none = java.util.Set.<String>of();
        assertThatThrownBy(() -> new TableFormat(':', '"', null, none)).hasMessageContaining("semicolon");
        assertThatThrownBy(() -> new TableFormat(';', ';', null, none)).hasMessageContaining("cannot be the delimiter");
        assertThatThrownBy(() -> new TableFormat(',', '"', List.of(), none)).hasMessageContaining("column names");
        assertThatThrownBy(() -> new TableFormat(',', '"', List.of("a", "a"), none))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> new TableFormat(',', '"', null, java.util.Set.of(" NA")))
                .hasMessageContaining("not one of");
        // A marker equal to a patient's id or a label value would make the public training size a count.
        assertThatThrownBy(() -> new TableFormat(',', '"', null, java.util.Set.of("p-1042")))
                .hasMessageContaining("count is public");
        assertThatThrownBy(() -> new TableFormat(',', '"', null, java.util.Set.of("1")))
                .hasMessageContaining("count is public");
    }

    @Test
    void emptyFileIsAnErrorNotAnEmptyTable() throws IOException {
        Path csv = write();

        assertThatThrownBy(() -> CsvTableLoader.load(csv, SCHEMA)).hasMessageContaining("expected a header row");
    }

    @Test
    void categoricalLevelsMatchNumericallyAcrossExportStyles() {
        FeatureColumn.Categorical cp = FeatureColumn.categorical("cp", "1", "2");

        assertThat(cp.indexOf("2")).isEqualTo(1);
        assertThat(cp.indexOf("2.0")).isEqualTo(1);
        assertThat(cp.indexOf("3.0")).isEqualTo(-1);
        assertThat(cp.indexOf("two")).isEqualTo(-1);
    }

    @Test
    void labelRulesMapCellsToClasses() {
        assertThat(LabelRule.positiveIfGreaterThan(0).classOf("3")).isEqualTo(1);
        assertThat(LabelRule.positiveIfGreaterThan(0).classOf("0")).isZero();
        assertThat(LabelRule.levels("no", "yes").classOf("yes")).isEqualTo(1);
        assertThat(LabelRule.classIndex(3).classOf("2.0")).isEqualTo(2);
        assertThatThrownBy(() -> LabelRule.classIndex(3).classOf("1.5")).hasMessageContaining("0..2");
        assertThatThrownBy(() -> LabelRule.levels("no", "yes").classOf("maybe")).hasMessageContaining("[no, yes]");
    }

    @Test
    void schemaRejectsAmbiguousDeclarations() {
        assertThatThrownBy(() -> new TabularSchema(
                        List.of(FeatureColumn.locallyStandardised("a"), FeatureColumn.locallyStandardised("a")),
                        "y",
                        LabelRule.classIndex(2)))
                .hasMessageContaining("'a' is listed twice");
        assertThatThrownBy(() -> new TabularSchema(
                        List.of(FeatureColumn.locallyStandardised("y")), "y", LabelRule.classIndex(2)))
                .hasMessageContaining("both a feature and the label");
        assertThatThrownBy(() -> new FeatureColumn.Numeric("a", 1.0, null))
                .hasMessageContaining("both center and scale");
        assertThatThrownBy(() -> FeatureColumn.numeric("a", 0, 0)).hasMessageContaining("scale must be");
    }

    @Test
    void declaredScalingIsExact() throws IOException {
        Path csv = write("age,ward,crp,died", "73,icu,0,0");

        assertThat(CsvTableLoader.load(csv, SCHEMA).dataset().features()[0][0]).isCloseTo(2.3f, within(1e-6f));
    }

    private Path write(String... lines) throws IOException {
        Path csv = Files.createTempFile(dir, "table", ".csv");
        Files.write(csv, List.of(lines));
        return csv;
    }
}
