-- Which coordinator replica drives rounds. Hazelcast (Community Edition, no CP subsystem)
-- proposes the oldest cluster member; this row makes it exclusive: a replica drives rounds
-- only while it holds an unexpired lease, and `term` grows with every change of holder, so
-- every takeover is visible and ordered.
CREATE TABLE coordinator_lease (
    lease_id   INT          PRIMARY KEY,
    holder     VARCHAR(200) NOT NULL,
    term       BIGINT       NOT NULL,
    expires_at TIMESTAMP    NOT NULL
);

INSERT INTO coordinator_lease (lease_id, holder, term, expires_at)
VALUES (1, '', 0, TIMESTAMP '1970-01-01 00:00:00');
