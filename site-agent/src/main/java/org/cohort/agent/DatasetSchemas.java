package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.FeatureColumn;
import org.cohort.learning.data.LabelRule;
import org.cohort.learning.data.SurvivalTarget;
import org.cohort.learning.data.TabularSchema;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;

/** Converts the study's dataset description (wire form) to the learning module's schema, and back. */
public final class DatasetSchemas {
    private DatasetSchemas() {}

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
        if (!spec.getTask().isEmpty() && !spec.getTask().equals(CLASSIFICATION)) {
            throw new IllegalArgumentException(
                    "unknown task '" + spec.getTask() + "'; this agent knows " + CLASSIFICATION + " and " + SURVIVAL);
        }
        return new TabularSchema(
                features, spec.getLabelColumn(), LabelRule.positiveIfGreaterThan(spec.getPositiveAbove()), id);
    }

    /** The task word of a survival study. */
    public static final String SURVIVAL = "survival";
    /** The task word of a classification study (also what an empty task means). */
    public static final String CLASSIFICATION = "classification";

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
