-- What each accepted training upload weighed (UploadSize): the values it carried, the bytes of its
-- encoded payload, and the bytes it would have taken carrying the whole model in the same encoding.
-- They differ when a study freezes layers (only the trainable part travels). NULL for reports that
-- carried no update (evaluations, drops) and for rounds recorded before this migration.
ALTER TABLE round_reports ADD COLUMN update_values BIGINT;
ALTER TABLE round_reports ADD COLUMN bytes_received BIGINT;
ALTER TABLE round_reports ADD COLUMN full_model_bytes BIGINT;
