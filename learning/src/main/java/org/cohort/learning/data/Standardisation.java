package org.cohort.learning.data;

import java.util.Objects;

/**
 * Per-site scaling {@code (x - mean) / std} of the schema's locally standardised columns, with
 * statistics fitted on one site's own training split. It is never fitted on pooled data: that
 * would need the sites' rows in one place, which is what federated learning avoids. Studies
 * without differential privacy only: the fitted statistics are a release of the site's rows that
 * no ε accounts for (see {@link PreprocessingPolicy}).
 *
 * @param positions positions in the encoded feature vector that are scaled
 * @param means fitted mean of each position
 * @param stds fitted sample standard deviation of each position (1 where the column is constant,
 *     so that it is centred rather than divided by zero)
 */
public record Standardisation(int[] positions, double[] means, double[] stds) {

    public Standardisation {
        Objects.requireNonNull(positions, "positions");
        Objects.requireNonNull(means, "means");
        Objects.requireNonNull(stds, "stds");
        if (positions.length != means.length || positions.length != stds.length) {
            throw new IllegalArgumentException("positions, means and stds must have the same length");
        }
    }

    /** Fits the statistics of {@code schema}'s locally standardised columns on {@code train}. */
    public static Standardisation fit(TabularDataset train, TabularSchema schema) {
        int[] positions = schema.locallyStandardisedPositions();
        if (positions.length > 0 && train.size() > 0 && train.numFeatures() != schema.numEncodedFeatures()) {
            throw new IllegalArgumentException(
                    "the dataset has " + train.numFeatures() + " features but the schema encodes "
                            + schema.numEncodedFeatures() + "; it was encoded with another schema");
        }
        double[] means = new double[positions.length];
        double[] stds = new double[positions.length];
        int n = train.size();
        for (int k = 0; k < positions.length; k++) {
            int p = positions[k];
            double sum = 0;
            for (float[] row : train.features()) {
                sum += row[p];
            }
            double mean = n == 0 ? 0 : sum / n;
            double squares = 0;
            for (float[] row : train.features()) {
                squares += (row[p] - mean) * (row[p] - mean);
            }
            double std = n < 2 ? 0 : Math.sqrt(squares / (n - 1));
            means[k] = mean;
            stds[k] = std > 0 ? std : 1;
        }
        return new Standardisation(positions, means, stds);
    }

    /** A new dataset with the fitted scaling applied (other columns copied unchanged). */
    public TabularDataset apply(TabularDataset data) {
        if (positions.length == 0) {
            return data;
        }
        float[][] rows = new float[data.size()][];
        for (int i = 0; i < rows.length; i++) {
            float[] row = data.features()[i].clone();
            for (int k = 0; k < positions.length; k++) {
                row[positions[k]] = (float) ((row[positions[k]] - means[k]) / stds[k]);
            }
            rows[i] = row;
        }
        return data.withFeatures(rows);
    }
}
