-- Under differential privacy a site releases its held-out evaluation only as a confusion matrix
-- with discrete Gaussian noise on every count (patient-level, charged to the study's budget).
-- examples and correct are then derived from the noised counts (sum, clamped diagonal), loss is
-- not released (0 here), and noise_multiplier holds the σ of the noise; NULL for an evaluation
-- measured in clear (a study without DP).
ALTER TABLE model_evaluations ADD COLUMN noise_multiplier DOUBLE PRECISION;
