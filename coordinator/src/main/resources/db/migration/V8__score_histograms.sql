-- A binary study's evaluation carries a score histogram: held-out rows by true class (0, then 1)
-- and equal-width bin of the predicted probability of class 1, row-major, as comma-separated
-- counts (2 per bin). Exact in clear; under patient-level DP noised (noise_multiplier holds its σ),
-- and examples and correct are then derived from it. AUROC, AUPRC and calibration error are
-- computed from it when read; NULL for an evaluation that carries none (multiclass, survival).
ALTER TABLE model_evaluations ADD COLUMN score_histogram VARCHAR(65536);
