package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.crypto.pki.SiteIdentity;

/**
 * Where the enrolled identity lives in the work directory: the PKCS#12 keystore, its
 * password (generated on first start unless configured) and the coordinator's
 * model-signing public key, which was received over the CA-pinned enrollment channel.
 */
record AgentIdentity(SiteIdentity site, byte[] modelSigningPublicKey) {

    static Path keystore(Path workDir) {
        return workDir.resolve("identity.p12");
    }

    static Path modelKeyFile(Path workDir) {
        return workDir.resolve("model-signing-key.der");
    }

    static boolean exists(Path workDir) {
        return Files.exists(keystore(workDir)) && Files.exists(modelKeyFile(workDir));
    }

    static AgentIdentity load(AgentConfig config) {
        try {
            return new AgentIdentity(
                    SiteIdentity.load(keystore(config.workDir()), password(config)),
                    Files.readAllBytes(modelKeyFile(config.workDir())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent identity in " + config.workDir(), e);
        }
    }

    void save(AgentConfig config) {
        try {
            PrivateDirectories.create(config.workDir());
            site.save(keystore(config.workDir()), password(config));
            Files.write(modelKeyFile(config.workDir()), modelSigningPublicKey);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the agent identity to " + config.workDir(), e);
        }
    }

    /** Replaces only the keystore (atomically, owner-only): what a certificate renewal changes. */
    void saveKeystore(AgentConfig config) {
        site.save(keystore(config.workDir()), password(config));
    }

    static char[] password(AgentConfig config) {
        if (!config.keystorePassword().isEmpty()) {
            return config.keystorePassword().toCharArray();
        }
        Path file = config.workDir().resolve("identity-password");
        try {
            if (!Files.exists(file)) {
                PrivateDirectories.create(config.workDir());
                byte[] raw = new byte[24];
                new SecureRandom().nextBytes(raw);
                Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
                try {
                    Files.setPosixFilePermissions(
                            file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // non-POSIX file system
                }
            }
            return Files.readString(file).strip().toCharArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}
