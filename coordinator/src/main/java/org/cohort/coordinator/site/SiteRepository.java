package org.cohort.coordinator.site;

import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Enrolled sites and their revocation state. Revoked serials are also cached in memory
 * because the TLS handshake consults them on every new connection.
 */
@Repository
public class SiteRepository implements SiteLookup {
    private final JdbcClient jdbc;
    private final Set<String> revokedSerials = ConcurrentHashMap.newKeySet();

    public SiteRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
        jdbc.sql("SELECT certificate_serial FROM sites WHERE revoked_at IS NOT NULL")
                .query(String.class)
                .list()
                .forEach(revokedSerials::add);
        jdbc.sql("""
                SELECT c.certificate_serial FROM site_certificates c JOIN sites s ON s.site_id = c.site_id
                WHERE s.revoked_at IS NOT NULL""").query(String.class).list().forEach(revokedSerials::add);
    }

    public void insert(Site site) {
        jdbc.sql("""
                INSERT INTO sites (site_id, site_name, certificate_serial, certificate_not_after,
                                   update_signing_public_key, agent_version, enrolled_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        site.siteId(),
                        site.siteName(),
                        site.certificateSerialHex(),
                        Timestamp.from(site.certificateNotAfter()),
                        site.updateSigningPublicKey(),
                        site.agentVersion(),
                        Timestamp.from(site.enrolledAt()))
                .update();
        recordCertificate(site.siteId(), site.certificateSerialHex(), site.certificateNotAfter(), site.enrolledAt());
    }

    private void recordCertificate(String siteId, String serialHex, Instant notAfter, Instant issuedAt) {
        jdbc.sql("""
                INSERT INTO site_certificates (certificate_serial, site_id, not_after, issued_at)
                VALUES (?, ?, ?, ?)""")
                .params(serialHex, siteId, Timestamp.from(notAfter), Timestamp.from(issuedAt))
                .update();
    }

    /**
     * Makes a renewed certificate the site's current one; the earlier ones keep authenticating the
     * site until they expire. Returns false (and changes nothing) when the site is unknown or revoked.
     */
    public boolean renewed(String siteId, String serialHex, Instant notAfter, String agentVersion, Instant at) {
        int updated = jdbc.sql("""
                UPDATE sites SET certificate_serial = ?, certificate_not_after = ?,
                                 agent_version = COALESCE(NULLIF(?, ''), agent_version)
                WHERE site_id = ? AND revoked_at IS NULL""")
                .params(serialHex, Timestamp.from(notAfter), agentVersion, siteId)
                .update();
        if (updated == 0) {
            return false;
        }
        recordCertificate(siteId, serialHex, notAfter, at);
        return true;
    }

    /** Whether {@code serialHex} was issued to {@code siteId} (at enrollment or a renewal). */
    public boolean issuedTo(String siteId, String serialHex) {
        return jdbc.sql("SELECT COUNT(*) FROM site_certificates WHERE site_id = ? AND certificate_serial = ?")
                        .params(siteId, serialHex)
                        .query(Long.class)
                        .single()
                > 0;
    }

    @Override
    public Optional<Site> find(String siteId) {
        return jdbc.sql("SELECT * FROM sites WHERE site_id = ?")
                .param(siteId)
                .query(SiteRepository::map)
                .optional();
    }

    public List<Site> all() {
        return jdbc.sql("SELECT * FROM sites ORDER BY enrolled_at")
                .query(SiteRepository::map)
                .list();
    }

    public boolean nameTaken(String siteName) {
        return jdbc.sql("SELECT COUNT(*) FROM sites WHERE site_name = ? AND revoked_at IS NULL")
                        .param(siteName)
                        .query(Long.class)
                        .single()
                > 0;
    }

    /** Revokes the site's certificate; returns false when the site is unknown or already revoked. */
    public boolean revoke(String siteId, String reason, Instant at) {
        var site = find(siteId);
        if (site.isEmpty() || site.get().revoked()) {
            return false;
        }
        jdbc.sql("UPDATE sites SET revoked_at = ?, revoked_reason = ? WHERE site_id = ? AND revoked_at IS NULL")
                .params(Timestamp.from(at), reason, siteId)
                .update();
        revokedSerials.add(site.get().certificateSerialHex());
        jdbc.sql("SELECT certificate_serial FROM site_certificates WHERE site_id = ?")
                .param(siteId)
                .query(String.class)
                .list()
                .forEach(revokedSerials::add);
        return true;
    }

    public boolean isRevoked(BigInteger serial) {
        return revokedSerials.contains(serial.toString(16));
    }

    private static Site map(ResultSet rs, int row) throws SQLException {
        return new Site(
                rs.getString("site_id"),
                rs.getString("site_name"),
                rs.getString("certificate_serial"),
                rs.getTimestamp("certificate_not_after").toInstant(),
                rs.getBytes("update_signing_public_key"),
                rs.getString("agent_version"),
                rs.getTimestamp("enrolled_at").toInstant(),
                instant(rs.getTimestamp("revoked_at")),
                rs.getString("revoked_reason"));
    }

    static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
