package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.StudyOffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code studies show} reads the site's own table as the study would, before the study is accepted. */
class StudyDataFitTest {

    @TempDir
    Path dir;

    static StudyOffer survivalOffer(PrivacyMode mode) {
        return StudyOffer.newBuilder()
                .setStudyId("st-1")
                .setPrivacy(PrivacyPlan.newBuilder().setMode(mode))
                .setDataset(DatasetSpec.newBuilder()
                        .setFormat("csv")
                        .setLabelColumn("E")
                        .setTask("survival")
                        .setTimeColumn("T")
                        .addCutPoints(365)
                        .setIdColumn("pid")
                        .addTestIds("c")
                        .addFeatures(FeatureColumnSpec.newBuilder()
                                .setName("age")
                                .setHasScaling(true)
                                .setCenter(60)
                                .setScale(10)))
                .build();
    }

    @Test
    void aFittingTableGivesTheSizeToDeclare() throws Exception {
        Path csv = Files.writeString(dir.resolve("site.csv"), "pid,age,E,T\na,61,1,100\nb,70,0,400\nc,55,1,30\n");
        String line = StudyReview.dataFit(survivalOffer(PrivacyMode.PRIVACY_MODE_PATIENT), csv, dir.resolve("work"));
        assertThat(line).contains("fits the study").contains("2 training rows").contains("1 held out");
    }

    @Test
    void badSurvivalDataAreRefusedBeforeAcceptance() throws Exception {
        Path negative = Files.writeString(dir.resolve("neg.csv"), "pid,age,E,T\na,61,1,-5\n");
        Path event = Files.writeString(dir.resolve("event.csv"), "pid,age,E,T\na,61,yes,5\n");
        Path noEvent = Files.writeString(dir.resolve("noevent.csv"), "pid,age,T\na,61,5\n");
        StudyOffer offer = survivalOffer(PrivacyMode.PRIVACY_MODE_NONE);
        assertThat(fit(offer, negative, "w1"))
                .contains("does NOT fit")
                .contains("column 'T'")
                .contains("negative time");
        assertThat(fit(offer, event, "w2")).contains("does NOT fit").contains("not 0 (censored) or 1");
        assertThat(fit(offer, noEvent, "w3")).contains("does NOT fit").contains("no column E");
    }

    static StudyOffer regressionOffer() {
        return StudyOffer.newBuilder()
                .setStudyId("st-2")
                .setPrivacy(PrivacyPlan.newBuilder().setMode(PrivacyMode.PRIVACY_MODE_NONE))
                .setDataset(DatasetSpec.newBuilder()
                        .setFormat("csv")
                        .setLabelColumn("thalach")
                        .setTask("regression")
                        .setLabelMin(60)
                        .setLabelMax(220)
                        .setTestFraction(0.25)
                        .addFeatures(FeatureColumnSpec.newBuilder()
                                .setName("age")
                                .setHasScaling(true)
                                .setCenter(60)
                                .setScale(10)))
                .build();
    }

    @Test
    void aRegressionTableWithNumericLabelsFits() throws Exception {
        Path csv = Files.writeString(dir.resolve("hr.csv"), "age,thalach\n61,150\n70,132\n55,171\n40,185\n");
        String line = StudyReview.dataFit(regressionOffer(), csv, dir.resolve("w4"));
        assertThat(line).contains("fits the study");
        // The four rows are split by the site's own secret: all of them are read, on one side or the other.
        var m = java.util.regex.Pattern.compile("(\\d+) training rows.*, (\\d+) held out")
                .matcher(line);
        assertThat(m.find()).as(line).isTrue();
        assertThat(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2))).isEqualTo(4);
    }

    @Test
    void aRegressionLabelThatIsNotANumberIsRefusedBeforeAcceptance() throws Exception {
        Path csv = Files.writeString(dir.resolve("hr-bad.csv"), "age,thalach\n61,150\n70,high\n");
        assertThat(fit(regressionOffer(), csv, "w5"))
                .contains("does NOT fit")
                .contains("column 'thalach'")
                .contains("'high' is not a finite number")
                .contains("recode it, or mark a value not recorded as missing");
    }

    /**
     * The review's line and, apart, what went to standard error: the details (which can quote a
     * cell) must be there and never in the line a saved review keeps.
     */
    private String fit(StudyOffer offer, Path table, String work) {
        var err = new java.io.ByteArrayOutputStream();
        var stderr = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        String line;
        try {
            line = StudyReview.dataFit(offer, table, dir.resolve(work));
        } finally {
            System.setErr(stderr);
        }
        String details = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(line)
                .doesNotContain(
                        details.strip().substring(details.indexOf(':') + 1).strip());
        return line + "\n" + details;
    }
}
