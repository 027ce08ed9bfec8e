-- The training size each site declared when it first accepted a study: its FedAvg weight for the
-- whole study (public by assumption). Later hellos must repeat it; a different number is refused.
CREATE TABLE site_declarations (
    site_id           VARCHAR(64)  NOT NULL,
    study_id          VARCHAR(64)  NOT NULL,
    training_examples BIGINT       NOT NULL,
    declared_at       TIMESTAMP    NOT NULL,
    PRIMARY KEY (site_id, study_id)
);
