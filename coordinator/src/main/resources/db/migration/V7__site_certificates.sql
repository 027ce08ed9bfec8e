-- Every certificate issued to a site, at enrollment and at each renewal. sites.certificate_serial
-- is the newest; an older one still authenticates its site until it expires (an agent that
-- crashed mid-renewal connects with it), and revoking a site revokes all of them.
CREATE TABLE site_certificates (
    certificate_serial VARCHAR(64)  PRIMARY KEY,  -- hex
    site_id            VARCHAR(64)  NOT NULL,
    not_after          TIMESTAMP    NOT NULL,
    issued_at          TIMESTAMP    NOT NULL
);

INSERT INTO site_certificates (certificate_serial, site_id, not_after, issued_at)
    SELECT certificate_serial, site_id, certificate_not_after, enrolled_at FROM sites;
