package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patient-level DP counts one row as one patient (clipping bounds one row, a held-out row is one
 * count): a site whose id column repeats refuses, since such a patient would be protected less
 * than charged.
 */
class PatientRowsTest {
    @TempDir
    Path dir;

    private static RoundTask task(String mode) {
        var dataset = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("num")
                .setPositiveAbove(0.5)
                .setTestFraction(0.25)
                .setSplitSeed(1)
                .setIdColumn("patient_id")
                .addFeatures(FeatureColumnSpec.newBuilder()
                        .setName("age")
                        .setHasScaling(true)
                        .setCenter(50)
                        .setScale(10));
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setKind(TaskKind.TRAIN)
                .setDataset(dataset)
                .setPrivacy(PrivacyPlan.newBuilder().setMode(org.cohort.protocol.PrivacyWords.mode(mode)))
                .build();
    }

    private Dl4jLearner learner(String rows) throws Exception {
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "patient_id,age,num\n" + rows);
        return new Dl4jLearner(csv);
    }

    @Test
    void aRepeatedPatientIdIsRefusedUnderPatientLevelDpWithoutSayingWhich() throws Exception {
        var learner = learner("p1,61,1\np2,45,0\np1,62,1\np3,50,0\n");
        assertThat(learner.unitProblem(task("patient")))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("one row per patient", "nothing spent")
                        .doesNotContain("p1")
                        .doesNotContain("patient_id"));
        assertThat(learner.unitProblem(task("site")))
                .as("a whole site is the unit")
                .isEmpty();
        assertThat(learner.unitProblem(task("none"))).isEmpty();
    }

    @Test
    void aPatientWithSeveralImagesIsRefusedUnderPatientLevelDpWhenTheStudyGroupsImagesByPatient() throws Exception {
        Path images = dir.resolve("images");
        var picture = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (String file : java.util.List.of("a/P1_left.png", "b/P1_right.png", "b/P2_left.png")) {
            Files.createDirectories(images.resolve(file).getParent());
            javax.imageio.ImageIO.write(picture, "png", images.resolve(file).toFile());
        }
        var learner = new Dl4jLearner(images);
        var format = new org.cohort.learning.data.ImageFormat(
                2,
                2,
                1,
                java.util.List.of("a", "b"),
                org.cohort.learning.data.ImageFormat.Resize.NONE,
                java.util.List.of(0.0),
                java.util.List.of(1.0));
        var perImage = DatasetSchemas.toSpec(format, 0.25, 1);
        var grouped = perImage.toBuilder()
                .setImage(perImage.getImage().toBuilder().setPatientIdSeparator("_"))
                .build();

        assertThat(learner.unitProblem(
                        task("patient").toBuilder().setDataset(grouped).build()))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("one image per patient", "nothing spent")
                        .doesNotContain("P1"));
        assertThat(learner.unitProblem(
                        task("patient").toBuilder().setDataset(perImage).build()))
                .as("without a separator each image is its own patient")
                .isEmpty();
        assertThat(learner.unitProblem(
                        task("none").toBuilder().setDataset(grouped).build()))
                .as("without DP a patient's images only share a side of the split")
                .isEmpty();
    }

    @Test
    void oneRowPerPatientPasses() throws Exception {
        assertThat(learner("p1,61,1\np2,45,0\np3,50,0\n").unitProblem(task("patient")))
                .isEmpty();
    }
}
