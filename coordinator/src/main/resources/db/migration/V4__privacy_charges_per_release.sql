-- One privacy charge per release, not per round number. Each attempt of a round retrains with
-- fresh noise, so every attempt whose update the coordinator could read (a plain upload received
-- and verified, or a secure sum unmasked) is spent; re-sending the same signed update (after a
-- replica failover, or an upload resume) is the same release and costs nothing more. The key is
-- therefore (study, round, round id of the attempt, site, unit, payload digest), and each charge
-- keeps the site's signed UpdateManifest and signature, so it can be matched with the site's own
-- ledger release by release and checked against the site's enrolled key.
--
-- Rows charged before this migration keep their round number and get an empty round id and
-- digest and attempt 0: they were one charge per round, and their LEDGER_CHARGE entries (which
-- carry no payload digest) are matched with them by round number.
--
-- A new table rather than ALTER ... DROP PRIMARY KEY: H2 and PostgreSQL name and drop primary
-- keys differently, while CREATE / INSERT ... SELECT / DROP / RENAME read the same in both.
CREATE TABLE privacy_charges_per_release (
    study_id         VARCHAR(64)      NOT NULL REFERENCES studies(study_id),
    round_number     INT              NOT NULL,
    round_id         VARCHAR(64)      NOT NULL,  -- the attempt's round id; '' for a per-round charge from before
    attempt          INT              NOT NULL,  -- 1, 2, ... within the round; 0 for a per-round charge from before
    site_id          VARCHAR(64)      NOT NULL,
    unit             VARCHAR(10)      NOT NULL,  -- PATIENT (DP-SGD) or SITE (DP-FedAvg)
    payload_sha256   VARCHAR(64)      NOT NULL,  -- hex, as the site signed it; '' for a per-round charge from before
    event_type       VARCHAR(20)      NOT NULL,  -- sampled_gaussian or gaussian
    sampling_rate    DOUBLE PRECISION NOT NULL,  -- q; 1 for an unsampled Gaussian
    noise_multiplier DOUBLE PRECISION NOT NULL,  -- σ (noise standard deviation / clipping norm)
    steps            BIGINT           NOT NULL,  -- compositions (DP-SGD steps, or releases)
    site_manifest    BYTEA,                      -- the site's UpdateManifest bytes, exactly as signed
    site_signature   BYTEA,                      -- the site's Ed25519 signature over them
    charged_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT privacy_charges_release_key PRIMARY KEY (study_id, round_number, round_id, site_id, unit, payload_sha256),
    -- No CHECKs on the text columns (see V2: H2 2.4 in PostgreSQL mode).
    CHECK (sampling_rate >= 0 AND sampling_rate <= 1),
    CHECK (noise_multiplier >= 0),
    CHECK (steps >= 1),
    CHECK (attempt >= 0)
);

INSERT INTO privacy_charges_per_release (study_id, round_number, round_id, attempt, site_id, unit, payload_sha256,
    event_type, sampling_rate, noise_multiplier, steps, site_manifest, site_signature, charged_at)
SELECT study_id, round_number, '', 0, site_id, unit, '', event_type, sampling_rate, noise_multiplier, steps, NULL, NULL,
    charged_at
FROM privacy_charges;

DROP TABLE privacy_charges;

ALTER TABLE privacy_charges_per_release RENAME TO privacy_charges;

CREATE INDEX privacy_charges_by_site ON privacy_charges (study_id, site_id, unit, round_number, attempt);
