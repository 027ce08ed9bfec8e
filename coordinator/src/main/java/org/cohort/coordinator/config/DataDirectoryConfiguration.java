package org.cohort.coordinator.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.cohort.crypto.pki.PrivateDirectories;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Creates the data directory owner-only (0700) before any bean writes into it: the embedded
 * database, the first to touch it, would otherwise create it readable by every local user, with
 * the CA keystore, the admin token and spooled site updates inside.
 */
@Configuration(proxyBeanMethods = false)
class DataDirectoryConfiguration {
    private static final Logger log = LoggerFactory.getLogger(DataDirectoryConfiguration.class);

    /** Runs before any other bean is created; static, as Spring wants for such post-processors. */
    @Bean
    static BeanFactoryPostProcessor ownerOnlyDataDirectory() {
        return beanFactory -> {
            String configured = beanFactory.getBean(Environment.class).getProperty("cohort.coordinator.data-dir");
            if (configured == null || configured.isBlank()) {
                return; // binding CoordinatorProperties will say what is missing
            }
            Path dir = Path.of(configured);
            try {
                PrivateDirectories.create(dir);
                if (!PrivateDirectories.isOwnerOnly(dir)) {
                    log.warn(
                            "the data directory {} is readable by other users and this process cannot change that;"
                                    + " it holds the CA keystore and the admin token: restrict it (chmod 700)",
                            dir);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot create the coordinator data directory " + dir + " (cohort.coordinator.data-dir): "
                                + e.getMessage(),
                        e);
            }
        };
    }
}
