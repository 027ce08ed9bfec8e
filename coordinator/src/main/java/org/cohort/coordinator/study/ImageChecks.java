package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.ImageFormat;
import org.cohort.learning.data.ImagePatients;

/**
 * The checks of an image-folder dataset ({@code dataset.format} "image-folder"): the images'
 * declared shape, classes, resizing and normalisation (the same words a site's loader uses, see
 * {@link ImageFormat}), and nothing of a table's columns.
 */
final class ImageChecks {
    private ImageChecks() {}

    static List<String> problems(StudySpec.Dataset dataset) {
        var problems = new ArrayList<String>();
        if ((dataset.features() != null && !dataset.features().isEmpty())
                || dataset.labelColumn() != null
                || dataset.positiveAbove() != null) {
            problems.add("dataset: an image-folder dataset has no columns (the class of an image is its folder);"
                    + " leave out features, labelColumn and positiveAbove");
        }
        if (dataset.idColumn() != null) {
            problems.add("dataset.idColumn: images are keyed for the split by '<class>/<file name>', or by the"
                    + " patient id in their names (dataset.image.patientIdSeparator); leave it out");
        }
        StudySpec.Image image = dataset.image();
        if (image == null) {
            problems.add("dataset.image must declare the images: height, width, channels (1 or 3), classes (the class"
                    + " folders' names, in the order of the model's outputs), resize ('none' or 'stretch'), and"
                    + " optionally mean and std per channel");
            return problems;
        }
        if (image.height() == null || image.width() == null) {
            problems.add("dataset.image.height and dataset.image.width must give the size every image is brought to");
            return problems;
        }
        var full = image.withDefaults();
        try {
            ImageFormat.Resize.of(full.resize());
        } catch (IllegalArgumentException e) {
            problems.add("dataset.image." + e.getMessage());
        }
        ImageFormat.problems(full.height(), full.width(), full.channels(), full.classes(), full.mean(), full.std())
                .forEach(p -> problems.add("dataset.image: " + p));
        ImagePatients.problem(image.patientIdSeparator()).ifPresent(p -> problems.add("dataset.image." + p));
        return problems;
    }
}
