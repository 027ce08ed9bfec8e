-- Privacy ledger and audit log. Portable between H2 (MODE=PostgreSQL) and PostgreSQL.

-- One round's privacy cost for one site and one protected unit. The primary key is what makes
-- a charge happen exactly once: a retried or resumed round inserts the same key and changes
-- nothing (INSERT ... ON CONFLICT DO NOTHING), also across coordinator restarts and replicas.
-- The event is stored as plain columns (IEEE doubles round-trip exactly), so every ε can be
-- recomputed from this table alone.
CREATE TABLE privacy_charges (
    study_id         VARCHAR(64)      NOT NULL REFERENCES studies(study_id),
    round_number     INT              NOT NULL,
    site_id          VARCHAR(64)      NOT NULL,
    unit             VARCHAR(10)      NOT NULL,  -- PATIENT (DP-SGD) or SITE (DP-FedAvg)
    event_type       VARCHAR(20)      NOT NULL,  -- sampled_gaussian or gaussian
    sampling_rate    DOUBLE PRECISION NOT NULL,  -- q; 1 for an unsampled Gaussian
    noise_multiplier DOUBLE PRECISION NOT NULL,  -- σ (noise standard deviation / clipping norm)
    steps            BIGINT           NOT NULL,  -- compositions (DP-SGD steps, or releases)
    charged_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (study_id, round_number, site_id, unit),
    -- No CHECKs on the text columns: H2 2.4 in PostgreSQL mode fails every insert ("Check
    -- constraint invalid") once the session that created a string-comparing CHECK has closed.
    -- The Java side writes only Unit names and the two event types.
    CHECK (sampling_rate >= 0 AND sampling_rate <= 1),
    CHECK (noise_multiplier >= 0),
    CHECK (steps >= 1)
);

CREATE INDEX privacy_charges_by_site ON privacy_charges (study_id, site_id, unit, round_number);

-- Append-only, hash-chained, signed audit log. hash = SHA-256(prev_hash bytes || canonical
-- JSON of {actor, at, details, kind, seq}); signature = the coordinator's Ed25519 signature
-- over the 32 hash bytes (see org.cohort.coordinator.audit.AuditLog for the exact bytes).
-- Editing, deleting or reordering rows is detected by GET /api/audit/verify.
CREATE TABLE audit_entries (
    seq        BIGINT        PRIMARY KEY,               -- 1, 2, 3, ... without gaps
    appended_at TIMESTAMP WITH TIME ZONE NOT NULL,      -- millisecond precision (hashed as ISO-8601 UTC)
    kind       VARCHAR(40)   NOT NULL,                  -- ENROLLMENT, ROUND_COMPLETED, LEDGER_CHARGE, ...
    actor      VARCHAR(200)  NOT NULL,                  -- coordinator, admin, site:<id>
    details    TEXT          NOT NULL,                  -- canonical JSON (RFC 8785), hashed as stored
    prev_hash  VARCHAR(64)   NOT NULL,                  -- hex; 64 zeros for seq 1
    hash       VARCHAR(64)   NOT NULL UNIQUE,           -- hex
    signature  BYTEA         NOT NULL,                  -- Ed25519, 64 bytes
    signer     VARCHAR(80)   NOT NULL                   -- sha256:<hex> of the signing key's SPKI
);

-- The chain's head: one row, locked (SELECT ... FOR UPDATE) by every append, so appends from
-- all coordinator replicas are serialised by the database. It also lets verification notice
-- entries removed from the end of the log.
CREATE TABLE audit_head (
    id   INT         PRIMARY KEY,
    seq  BIGINT      NOT NULL,
    hash VARCHAR(64) NOT NULL,
    CHECK (id = 1)
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
