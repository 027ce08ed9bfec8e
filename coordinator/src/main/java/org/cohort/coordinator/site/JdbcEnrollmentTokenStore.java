package org.cohort.coordinator.site;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.cohort.crypto.pki.EnrollmentTokenStore;
import org.cohort.crypto.pki.StoredToken;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Enrollment tokens in the coordinator database; only the secret's hash is stored. */
@Repository
class JdbcEnrollmentTokenStore implements EnrollmentTokenStore {
    private final JdbcClient jdbc;

    public JdbcEnrollmentTokenStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void save(StoredToken t) {
        jdbc.sql("""
                INSERT INTO enrollment_tokens (token_id, secret_hash, site_name, expires_at, created_at)
                VALUES (?, ?, ?, ?, ?)""")
                .params(
                        t.tokenId(),
                        t.secretHash(),
                        t.siteName(),
                        Timestamp.from(t.expiresAt()),
                        Timestamp.from(Instant.now()))
                .update();
    }

    @Override
    public Optional<StoredToken> find(String tokenId) {
        return jdbc.sql("SELECT * FROM enrollment_tokens WHERE token_id = ?")
                .param(tokenId)
                .query((rs, i) -> new StoredToken(
                        rs.getString("token_id"),
                        rs.getBytes("secret_hash"),
                        rs.getString("site_name"),
                        rs.getTimestamp("expires_at").toInstant(),
                        SiteRepository.instant(rs.getTimestamp("used_at"))))
                .optional();
    }

    @Override
    public void recordEnrollment(String tokenId, org.cohort.crypto.pki.RedeemedEnrollment e) {
        jdbc.sql("""
                UPDATE enrollment_tokens SET enrolled_site_id = ?, request_digest = ?, issued_certificate = ?
                WHERE token_id = ? AND used_at IS NOT NULL""")
                .params(e.siteId(), e.requestDigest(), e.certificate(), tokenId)
                .update();
    }

    @Override
    public Optional<org.cohort.crypto.pki.RedeemedEnrollment> enrollment(String tokenId) {
        return jdbc.sql("""
                SELECT enrolled_site_id, request_digest, issued_certificate FROM enrollment_tokens
                WHERE token_id = ? AND enrolled_site_id IS NOT NULL""")
                .param(tokenId)
                .query((rs, i) -> new org.cohort.crypto.pki.RedeemedEnrollment(
                        rs.getString("enrolled_site_id"),
                        rs.getBytes("request_digest"),
                        rs.getBytes("issued_certificate")))
                .optional();
    }

    @Override
    public boolean markUsed(String tokenId, Instant at) {
        // The WHERE clause makes "use once" atomic in the database, also across replicas.
        return jdbc.sql("UPDATE enrollment_tokens SET used_at = ? WHERE token_id = ? AND used_at IS NULL")
                        .params(Timestamp.from(at), tokenId)
                        .update()
                == 1;
    }
}
