-- Cohort coordinator schema. Portable between H2 (embedded default) and PostgreSQL.

CREATE TABLE enrollment_tokens (
    token_id     VARCHAR(64)  PRIMARY KEY,
    secret_hash  BYTEA        NOT NULL,          -- SHA-256 of the secret; the secret is never stored
    site_name    VARCHAR(200) NOT NULL,
    expires_at   TIMESTAMP    NOT NULL,
    used_at      TIMESTAMP,
    created_at   TIMESTAMP    NOT NULL
);

CREATE TABLE sites (
    site_id                   VARCHAR(64)  PRIMARY KEY,
    site_name                 VARCHAR(200) NOT NULL,
    certificate_serial        VARCHAR(64)  NOT NULL UNIQUE,  -- hex
    certificate_not_after     TIMESTAMP    NOT NULL,
    update_signing_public_key BYTEA        NOT NULL,         -- Ed25519, X.509 SPKI DER
    agent_version             VARCHAR(100),
    enrolled_at               TIMESTAMP    NOT NULL,
    revoked_at                TIMESTAMP,
    revoked_reason            VARCHAR(500)
);

CREATE TABLE studies (
    study_id        VARCHAR(64)  PRIMARY KEY,
    name            VARCHAR(200) NOT NULL,
    spec_json       TEXT         NOT NULL,
    model_config_json TEXT       NOT NULL,  -- Deeplearning4j MultiLayerConfiguration
    status          VARCHAR(20)  NOT NULL,   -- CREATED, RUNNING, STOPPED, COMPLETED, FAILED
    status_detail   VARCHAR(1000),
    current_version BIGINT       NOT NULL,
    rounds_done     INT          NOT NULL,
    created_at      TIMESTAMP    NOT NULL,
    updated_at      TIMESTAMP    NOT NULL
);

CREATE TABLE rounds (
    round_id       VARCHAR(64)  PRIMARY KEY,
    study_id       VARCHAR(64)  NOT NULL REFERENCES studies(study_id),
    round_number   INT          NOT NULL,
    attempt        INT          NOT NULL,
    kind           VARCHAR(10)  NOT NULL,
    base_version   BIGINT       NOT NULL,
    status         VARCHAR(20)  NOT NULL,
    selected_sites VARCHAR(4000) NOT NULL,
    started_at     TIMESTAMP    NOT NULL,
    closed_at      TIMESTAMP,
    result_version BIGINT,
    detail         VARCHAR(4000),
    UNIQUE (study_id, round_number, attempt)
);

CREATE TABLE round_reports (
    round_id      VARCHAR(64) NOT NULL REFERENCES rounds(round_id),
    site_id       VARCHAR(64) NOT NULL,
    outcome       VARCHAR(20) NOT NULL,      -- ACCEPTED, DROPPED, REJECTED
    example_count BIGINT,
    train_loss    DOUBLE PRECISION,
    train_millis  BIGINT,
    detail        VARCHAR(1000),
    reported_at   TIMESTAMP   NOT NULL,
    PRIMARY KEY (round_id, site_id, outcome)
);

CREATE TABLE model_versions (
    study_id       VARCHAR(64)  NOT NULL REFERENCES studies(study_id),
    version        BIGINT       NOT NULL,
    parent_version BIGINT       NOT NULL,
    round_number   INT          NOT NULL,
    num_parameters BIGINT       NOT NULL,
    payload_sha256 VARCHAR(64)  NOT NULL,
    manifest       BYTEA        NOT NULL,   -- the signed ModelManifest bytes
    signature      BYTEA        NOT NULL,   -- Ed25519 over manifest
    contributors   VARCHAR(4000) NOT NULL,
    path           VARCHAR(1000) NOT NULL,
    created_at     TIMESTAMP    NOT NULL,
    PRIMARY KEY (study_id, version)
);

-- The global model evaluated on each site's held-out data (data never leaves the site;
-- only counts and losses do).
CREATE TABLE model_evaluations (
    study_id  VARCHAR(64)      NOT NULL,
    version   BIGINT           NOT NULL,
    site_id   VARCHAR(64)      NOT NULL,
    examples  BIGINT           NOT NULL,
    correct   BIGINT           NOT NULL,
    loss      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (study_id, version, site_id)
);
