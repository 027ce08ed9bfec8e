package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cohort.learning.data.ImageFolderException;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.learning.data.SyntheticImages;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.StudyOffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A site whose data is a folder of images, one folder per class: loading, the check, the review. */
class ImageFolderSiteTest {
    static final List<String> CLASSES = List.of("a", "b", "c");

    @Test
    void aSiteSplitsItsImagesByNameAndKeepsTheDeclaredClasses(@TempDir Path dir) throws Exception {
        var format = SyntheticImages.format(8, 1, CLASSES);
        SyntheticImages.write(dir, 60, 8, 1, CLASSES, 1, 0, 0);
        var spec = DatasetSchemas.toSpec(format, 0.25, 3);
        var data = new Dl4jLearner(dir).data(spec, PreprocessingPolicy.DECLARED_ONLY);
        assertThat(data.train().size() + data.test().size()).isEqualTo(60);
        assertThat(data.test().size()).isBetween(5, 25);
        assertThat(data.train().numClasses()).isEqualTo(3);
        assertThat(data.train().numFeatures()).isEqualTo(64);
        // Declared constants only: a differentially private study may use them.
        DatasetSchemas.checkPolicy(PreprocessingPolicy.DECLARED_ONLY, spec);
        assertThat(DatasetSchemas.imageFormat(spec)).isEqualTo(format);

        // The declaration is part of the study's terms: another normalisation is another digest.
        var other = spec.toBuilder()
                .setImage(spec.getImage().toBuilder().setMean(0, 0.4))
                .build();
        assertThat(StudyTerms.datasetDigest(other)).isNotEqualTo(StudyTerms.datasetDigest(spec));

        var review = String.join(
                "\n",
                StudyReview.show(StudyOffer.newBuilder()
                        .setStudyId("st-1")
                        .setName("images")
                        .setDataset(spec)
                        .build()));
        assertThat(review)
                .contains("data: image folders, one per class [a, b, c]; each image 8×8, grayscale, resize none")
                .contains("mean [0.5], std [0.25]; held out: 0.25 of images");
    }

    @Test
    void aDamagedImageStopsLoadingAndFailsTheCheckByName(@TempDir Path dir) throws Exception {
        SyntheticImages.write(dir, 12, 8, 1, CLASSES, 1, 0, 0);
        var verdict = AgentCheck.dataFile(dir);
        assertThat(verdict.ok()).as(verdict.line()).isTrue();
        assertThat(verdict.detail()).contains("12 readable images in 3 class folders {a=4, b=4, c=4}", "sizes [8×8]");

        Files.writeString(dir.resolve("b").resolve("broken.png"), "not a png");
        verdict = AgentCheck.dataFile(dir);
        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.detail()).contains("1 problem", "b/broken.png is not a PNG or JPEG image");

        var spec = DatasetSchemas.toSpec(SyntheticImages.format(8, 1, CLASSES), 0.25, 3);
        assertThatThrownBy(() -> new Dl4jLearner(dir).data(spec))
                .isInstanceOf(ImageFolderException.class)
                .hasMessageContaining("b/broken.png");
    }
}
