-- A regression study's evaluation carries error sums: the held-out rows n, Σ|e|/R and Σ(e/R)², each
-- row's error clamped to the study's label range [min, max] (R = max - min) and quantised to 10^-6,
-- stored as "n,Σ|e|·10^6/R,Σ(e/R)²·10^6". Exact in clear; under patient-level DP noised
-- (noise_multiplier holds the noise's standard deviation in units of (1, 10^6, 10^6), √3 times the
-- study's evaluation noise multiplier), and examples is then derived from it. MAE = R·Σ|e|/R / n and
-- RMSE = R·sqrt(Σ(e/R)² / n), per site and pooled (from the summed sums), are computed when read, in
-- the label's unit; NULL for an evaluation that carries none.
ALTER TABLE model_evaluations ADD COLUMN error_sums VARCHAR(256);
