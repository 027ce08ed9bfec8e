package org.cohort.coordinator.audit;

import java.time.Clock;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/** The audit log, signed with the coordinator's Ed25519 key (the one that signs model versions). */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {

    @Bean
    AuditLog auditLog(JdbcClient jdbc, PlatformTransactionManager transactions, SiteCertificateAuthority ca,
                      Clock clock) {
        return new AuditLog(jdbc, transactions, ca.modelSigner(), clock);
    }
}
