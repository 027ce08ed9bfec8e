package org.cohort.coordinator.audit;

import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/** The audit log, signed with the coordinator's Ed25519 key (the one that signs model versions). */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {

    @Bean
    AuditLog auditLog(
            JdbcClient jdbc,
            PlatformTransactionManager transactions,
            SiteCertificateAuthority ca,
            Clock clock,
            DataSource dataSource)
            throws SQLException {
        Runnable makeDurable = () -> {};
        try (var connection = dataSource.getConnection()) {
            if (connection.getMetaData().getDatabaseProductName().equals("H2")) {
                // H2 writes committed changes to its file in the background, up to a second later.
                makeDurable = () -> jdbc.sql("CHECKPOINT SYNC").update();
            }
        }
        return new AuditLog(jdbc, transactions, ca.modelSigner(), clock, makeDurable);
    }
}
