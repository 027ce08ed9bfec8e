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
    public boolean markUsed(String tokenId, Instant at, org.cohort.crypto.pki.RedeemedEnrollment e) {
        // The WHERE clause makes "use once" atomic in the database, also across replicas; the answer is kept
        // in the same statement, so a repeat never finds the token used and its answer missing.
        return jdbc.sql("""
                        UPDATE enrollment_tokens
                        SET used_at = ?, enrolled_site_id = ?, request_digest = ?, issued_certificate = ?
                        WHERE token_id = ? AND used_at IS NULL""")
                        .params(
                                Timestamp.from(at),
                                e == null ? null : e.siteId(),
                                e == null ? null : e.requestDigest(),
                                e == null ? null : e.certificate(),
                                tokenId)
                        .update()
                == 1;
    }

    @Override
    public boolean countRepeat(String tokenId, int max) {
        return jdbc.sql("UPDATE enrollment_tokens SET repeats = repeats + 1 WHERE token_id = ? AND repeats < ?")
                        .params(tokenId, max)
                        .update()
                == 1;
    }
}
