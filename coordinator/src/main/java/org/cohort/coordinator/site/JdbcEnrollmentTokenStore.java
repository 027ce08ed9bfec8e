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
    public boolean markUsed(String tokenId, Instant at) {
        // The WHERE clause makes "use once" atomic in the database, also across replicas.
        return jdbc.sql("UPDATE enrollment_tokens SET used_at = ? WHERE token_id = ? AND used_at IS NULL")
                        .params(Timestamp.from(at), tokenId)
                        .update()
                == 1;
    }
}
