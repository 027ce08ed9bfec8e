-- What a token's one enrollment produced (RedeemedEnrollment): the site it created, the digest of the
-- request's keys and the issued certificate, so that the same request sent again after its answer was
-- lost (a deadline on a loaded coordinator) gets the same answer instead of "already used". NULL for
-- unused tokens and for those used before this migration.
ALTER TABLE enrollment_tokens ADD COLUMN enrolled_site_id VARCHAR(64);
ALTER TABLE enrollment_tokens ADD COLUMN request_digest BYTEA;
ALTER TABLE enrollment_tokens ADD COLUMN issued_certificate BYTEA;
-- How many times the same request was answered again: capped, so that whoever holds the token and the
-- keys cannot fill the audit log with repeats.
ALTER TABLE enrollment_tokens ADD COLUMN repeats INTEGER DEFAULT 0 NOT NULL;
