package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.FeatureColumn;
import org.cohort.learning.data.ImageFormat;
import org.cohort.learning.data.LabelRule;
import org.cohort.learning.data.SurvivalTarget;
import org.cohort.learning.data.TabularSchema;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.ImageFolderSpec;

/** Converts the study's dataset description (wire form) to the learning module's schema, and back. */
public final class DatasetSchemas {
    private DatasetSchemas() {}

    /** The format word of a dataset of images, one folder per class. */
    public static final String IMAGE_FOLDER = "image-folder";

    /** Whether {@code spec} describes image folders (not a table). */
    public static boolean images(DatasetSpec spec) {
        return IMAGE_FOLDER.equals(spec.getFormat());
    }

    /**
     * The declared image format of an image-folder dataset.
     *
     * @throws IllegalArgumentException naming what the declaration lacks
     */
    /** How an image-folder dataset's images are grouped by patient (see {@link ImagePatients}). */
    public static org.cohort.learning.data.ImagePatients imagePatients(DatasetSpec spec) {
        return org.cohort.learning.data.ImagePatients.of(spec.getImage().getPatientIdSeparator());
    }

    public static ImageFormat imageFormat(DatasetSpec spec) {
        var i = spec.getImage();
        return new ImageFormat(
                i.getHeight(),
                i.getWidth(),
                i.getChannels(),
                i.getClassesList(),
                ImageFormat.Resize.of(i.getResize()),
                i.getMeanList(),
                i.getStdList());
    }

    /**
     * Refuses {@code spec} when {@code policy} forbids its preprocessing. Images are scaled with the
     * study's declared constants only, which every policy allows.
     */
    public static void checkPolicy(org.cohort.learning.data.PreprocessingPolicy policy, DatasetSpec spec) {
        if (!images(spec)) {
            policy.check(toSchema(spec));
        }
    }

    /** The wire form of an image-folder dataset, split by a keyed hash of each image's name. */
    public static DatasetSpec toSpec(ImageFormat format, double testFraction, long splitSeed) {
        return DatasetSpec.newBuilder()
                .setFormat(IMAGE_FOLDER)
                .setTestFraction(testFraction)
                .setSplitSeed(splitSeed)
                .setImage(ImageFolderSpec.newBuilder()
                        .setHeight(format.height())
                        .setWidth(format.width())
                        .setChannels(format.channels())
                        .addAllClasses(format.classes())
                        .setResize(format.resize().word())
                        .addAllMean(format.mean())
                        .addAllStd(format.std()))
                .build();
    }

    /**
     * How the study says the site's table file is written: the default (commas, double quotes, a
     * header row, "" or "?" for not recorded) where it says nothing.
     *
     * @throws IllegalArgumentException for a format no site could read (the coordinator refuses it first)
     */
    public static org.cohort.learning.data.TableFormat tableFormat(DatasetSpec spec) {
        var table = org.cohort.learning.data.TableFormat.DEFAULT;
        if (!spec.hasTable()) {
            return table;
        }
        var t = spec.getTable();
        String delimiter = t.getDelimiter().isEmpty() ? "," : t.getDelimiter();
        if (delimiter.length() != 1 || t.getQuote().length() > 1) {
            throw new IllegalArgumentException("the study's table delimiter and quote must be one character each");
        }
        Character quote = t.getNoQuote()
                ? null
                : t.getQuote().isEmpty() ? Character.valueOf('"') : t.getQuote().charAt(0);
        return new org.cohort.learning.data.TableFormat(
                delimiter.charAt(0),
                quote,
                t.getColumnsCount() == 0 ? null : List.copyOf(t.getColumnsList()),
                t.getMissingCount() == 0 ? table.missing() : java.util.Set.copyOf(t.getMissingList()));
    }

    public static TabularSchema toSchema(DatasetSpec spec) {
        var features = new ArrayList<FeatureColumn>();
        for (FeatureColumnSpec f : spec.getFeaturesList()) {
            if (f.getLevelsCount() > 0) {
                features.add(new FeatureColumn.Categorical(f.getName(), List.copyOf(f.getLevelsList())));
            } else if (f.getHasScaling()) {
                features.add(FeatureColumn.numeric(f.getName(), f.getCenter(), f.getScale()));
            } else {
                features.add(FeatureColumn.locallyStandardised(f.getName()));
            }
        }
        String id = spec.getIdColumn().isEmpty() ? null : spec.getIdColumn();
        if (isSurvival(spec)) {
            return TabularSchema.survival(
                    features,
                    spec.getLabelColumn(),
                    new SurvivalTarget(spec.getTimeColumn(), List.copyOf(spec.getCutPointsList())),
                    id);
        }
        if (isRegression(spec)) {
            return TabularSchema.regression(
                    features,
                    spec.getLabelColumn(),
                    new org.cohort.learning.data.RegressionTarget(spec.getLabelMin(), spec.getLabelMax()),
                    id);
        }
        if (!spec.getTask().isEmpty() && !spec.getTask().equals(CLASSIFICATION)) {
            throw new IllegalArgumentException("unknown task '" + spec.getTask() + "'; this agent knows "
                    + CLASSIFICATION + ", " + SURVIVAL + " and " + REGRESSION);
        }
        return new TabularSchema(
                features, spec.getLabelColumn(), LabelRule.positiveIfGreaterThan(spec.getPositiveAbove()), id);
    }

    /** The task word of a survival study. */
    public static final String SURVIVAL = "survival";
    /** The task word of a classification study (also what an empty task means). */
    public static final String CLASSIFICATION = "classification";

    /** The task word of a regression study. */
    public static final String REGRESSION = "regression";

    /** Whether {@code spec} describes a regression study (a numeric label in a declared range). */
    public static boolean isRegression(DatasetSpec spec) {
        return spec.getTask().equals(REGRESSION);
    }

    /** Whether {@code spec} describes a survival study. */
    public static boolean isSurvival(DatasetSpec spec) {
        return spec.getTask().equals(SURVIVAL);
    }

    public static DatasetSpec toSpec(
            TabularSchema schema, String format, double positiveAbove, double testFraction, long splitSeed) {
        var b = DatasetSpec.newBuilder()
                .setFormat(format)
                .setLabelColumn(schema.labelColumn())
                .setPositiveAbove(positiveAbove)
                .setTestFraction(testFraction)
                .setSplitSeed(splitSeed);
        if (schema.idColumn() != null) {
            b.setIdColumn(schema.idColumn());
        }
        if (schema.isSurvival()) {
            b.setTask(SURVIVAL)
                    .setTimeColumn(schema.survival().timeColumn())
                    .addAllCutPoints(schema.survival().cutPoints());
        }
        if (schema.isRegression()) {
            b.setTask(REGRESSION)
                    .setLabelMin(schema.regression().min())
                    .setLabelMax(schema.regression().max());
        }
        for (FeatureColumn f : schema.features()) {
            var fb = FeatureColumnSpec.newBuilder().setName(f.name());
            switch (f) {
                case FeatureColumn.Categorical c -> fb.addAllLevels(c.levels());
                case FeatureColumn.Numeric n -> {
                    if (!n.locallyStandardised()) {
                        fb.setHasScaling(true).setCenter(n.center()).setScale(n.scale());
                    }
                }
            }
            b.addFeatures(fb);
        }
        return b.build();
    }
}
