package org.cohort.coordinator.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.crypto.pki.EnrollmentTokenStore;
import org.cohort.crypto.pki.EnrollmentTokens;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.crypto.pki.ServerIdentity;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The coordinator's certificate authority, its TLS identity and enrollment tokens. */
@Configuration(proxyBeanMethods = false)
class PkiConfiguration {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PkiConfiguration.class);

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SiteCertificateAuthority certificateAuthority(CoordinatorProperties props, Clock clock) throws IOException {
        PrivateDirectories.create(props.dataDir());
        KeystorePassword password = KeystorePassword.resolve(
                props.dataDir(),
                props.keystorePassword(),
                props.keystorePasswordFile().isBlank()
                        ? null
                        : Path.of(props.keystorePasswordFile().strip()),
                props.requireKeystorePassword());
        log.info("CA keystore password from {}", password.source());
        if (password.warning() != null) {
            log.warn("{}", password.warning());
        }
        return SiteCertificateAuthority.openOrCreate(props.dataDir(), password.password(), clock);
    }

    @Bean
    ServerIdentity serverIdentity(SiteCertificateAuthority ca, CoordinatorProperties props) {
        return ca.serverIdentity(props.publicHostNames());
    }

    @Bean
    EnrollmentTokens enrollmentTokens(EnrollmentTokenStore store, Clock clock) {
        return new EnrollmentTokens(store, clock);
    }

    @Bean
    AdminToken adminToken(CoordinatorProperties props) throws IOException {
        return new AdminToken(
                props.adminToken().isEmpty() ? secretFile(props.dataDir().resolve("admin-token")) : props.adminToken());
    }

    /**
     * The tokens of the narrower roles, each in its own owner-only file in the data directory,
     * generated on first start: hand each to the people who do that job, keep the admin token back.
     */
    @Bean
    RoleTokens roleTokens(CoordinatorProperties props) throws IOException {
        var tokens = new java.util.EnumMap<RoleTokens.Role, AdminToken>(RoleTokens.Role.class);
        for (RoleTokens.Role role : RoleTokens.Role.values()) {
            tokens.put(role, new AdminToken(secretFile(props.dataDir().resolve(role.fileName()))));
        }
        return new RoleTokens(tokens);
    }

    /**
     * Reads a generated secret, creating it (owner-only permissions) on first start, so an
     * embedded coordinator needs no secret management to get going.
     */
    static String secretFile(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file).strip();
        }
        Files.createDirectories(file.getParent());
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        // Written whole to a temporary owner-only file, then linked into place, which fails if another
        // replica got there first: no replica ever reads a file that exists but is not yet written.
        Path temp;
        try {
            temp = Files.createTempFile(
                    file.getParent(),
                    file.getFileName() + ".",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            temp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
        }
        try {
            Files.writeString(temp, secret + "\n");
            Files.createLink(file, temp);
            return secret;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return Files.readString(file).strip();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
