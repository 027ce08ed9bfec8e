package org.cohort.crypto.pki;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.cohort.crypto.internal.Algorithms;

/**
 * Password-protected PKCS12 files, written atomically, read with errors a person can act on.
 *
 * <p>The JDK's PKCS12 implementation is used (not Bouncy Castle's) so that the files open with
 * {@code keytool} and any JDK. Key entries are encrypted with PBES2 (PBKDF2-HMAC-SHA256,
 * AES-256-CBC) named explicitly, so an old {@code keystore.pkcs12.*} security setting cannot
 * downgrade them; the integrity MAC is the JDK default (HMAC-SHA256 since JDK 12).
 */
final class Pkcs12Files {

    private static final String TYPE = "PKCS12";
    private static final String KEY_PROTECTION = "PBEWithHmacSHA256AndAES_256";
    /** PBKDF2 iterations for keystores that exist only in memory ({@link #keyManagers}); never for files. */
    private static final int TRANSIENT_ITERATIONS = 1;

    private static final Map<Path, Object> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private Pkcs12Files() {}

    static KeyStore newEmpty() {
        try {
            KeyStore keyStore = KeyStore.getInstance(TYPE);
            keyStore.load(null, null);
            return keyStore;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("This JDK has no PKCS12 keystore support", e);
        }
    }

    /** Loads {@code file}; a wrong password becomes {@link WrongKeystorePasswordException}. */
    static KeyStore load(Path file, char[] password, String whatItHolds) {
        KeyStore keyStore;
        try {
            keyStore = KeyStore.getInstance(TYPE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK has no PKCS12 keystore support", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, password);
            return keyStore;
        } catch (IOException e) {
            // The JDK signals a failed integrity check (almost always a wrong password) this way.
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new WrongKeystorePasswordException(file, whatItHolds, e);
            }
            throw new UncheckedIOException(
                    "Cannot read " + file + " (" + whatItHolds + "): " + e.getMessage()
                            + ". If the file is damaged, restore it from backup.",
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "Cannot read " + file + " (" + whatItHolds + "): " + e.getMessage()
                            + ". It may have been written by a JDK with algorithms this one lacks.",
                    e);
        }
    }

    static void setKey(KeyStore keyStore, String alias, PrivateKey key, char[] password, List<X509Certificate> chain) {
        try {
            keyStore.setEntry(
                    alias,
                    new KeyStore.PrivateKeyEntry(key, chain.toArray(Certificate[]::new)),
                    new KeyStore.PasswordProtection(password, KEY_PROTECTION, null));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot put key '" + alias + "' into a PKCS12 keystore", e);
        }
    }

    /** The key under {@code alias}, or null if there is no such entry. */
    static PrivateKey key(KeyStore keyStore, String alias, char[] password, Path file) {
        try {
            return keyStore.isKeyEntry(alias) ? (PrivateKey) keyStore.getKey(alias, password) : null;
        } catch (UnrecoverableKeyException e) {
            throw new WrongKeystorePasswordException(file, "key '" + alias + "'", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read key '" + alias + "' from " + file + ": " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> chain(KeyStore keyStore, String alias) {
        try {
            Certificate[] chain = keyStore.getCertificateChain(alias);
            return chain == null
                    ? List.of()
                    : Arrays.stream(chain).map(X509Certificate.class::cast).toList();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read certificate chain '" + alias + "'", e);
        }
    }

    /**
     * Writes to a temporary file next to {@code file} and renames it over, so a crash never leaves a
     * half-written keystore. Temporary files are created owner-only (0600) on POSIX systems.
     */
    static void save(KeyStore keyStore, Path file, char[] password) {
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            temporary = Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.TRUNCATE_EXISTING)) {
                keyStore.store(out, password);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write keystore " + file + ": " + e.getMessage()
                            + ". Check that the directory exists and is writable by this process.",
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot encode keystore " + file, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // Only a leftover temporary file; the keystore itself is intact.
                }
            }
        }
    }

    /**
     * Runs {@code action} holding an exclusive lock on {@code file}'s companion lock file, so that
     * coordinator replicas sharing a data directory do not create two different CAs. (The JVM-level
     * monitor is needed too: two channels of one JVM cannot both lock the same file.)
     */
    static <T> T withLock(Path file, Supplier<T> action) {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock").toAbsolutePath();
        synchronized (IN_PROCESS_LOCKS.computeIfAbsent(lockFile, p -> new Object())) {
            try {
                Files.createDirectories(lockFile.getParent());
                try (FileChannel channel =
                                FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = channel.lock()) {
                    return action.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot lock " + lockFile + ": " + e.getMessage()
                                + ". Check that the data directory is writable.",
                        e);
            }
        }
    }

    /**
     * JSSE key managers presenting {@code chain} with {@code key}. The PKIX key manager is used
     * because, unlike SunX509, it prefers certificates that are currently valid and whose extended
     * key usage fits the side of the handshake.
     *
     * <p>The PKIX key manager reads keys from a keystore, so {@code key} is put into a transient
     * in-memory PKCS12 keystore that is never written anywhere. Its entry is wrapped with a single
     * PBKDF2 iteration instead of the 10,000 used for files (see {@link #setKey}): the stretching
     * protects a file against password guessing, but this keystore lives only next to the key
     * object it was made from, under a random password that is discarded. With the default
     * iterations, wrapping here and unwrapping at the first handshake cost about 8 ms of CPU per
     * connection, which dominated the agent side of a TLS handshake.
     */
    static KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain) {
        char[] transientPassword = new char[16];
        for (int i = 0; i < transientPassword.length; i++) {
            transientPassword[i] = (char) ('a' + Algorithms.random().nextInt(26));
        }
        KeyStore keyStore = newEmpty();
        try {
            keyStore.setEntry(
                    "identity",
                    new KeyStore.PrivateKeyEntry(key, chain.toArray(Certificate[]::new)),
                    transientProtection(transientPassword));
            KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
            factory.init(keyStore, transientPassword);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot build TLS key managers", e);
        } finally {
            Arrays.fill(transientPassword, '\0');
        }
    }

    /** Protection for an entry of an in-memory keystore only: same cipher as files, one PBKDF2 iteration. */
    private static KeyStore.PasswordProtection transientProtection(char[] password) {
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        Algorithms.random().nextBytes(salt);
        Algorithms.random().nextBytes(iv);
        return new KeyStore.PasswordProtection(
                password, KEY_PROTECTION, new PBEParameterSpec(salt, TRANSIENT_ITERATIONS, new IvParameterSpec(iv)));
    }
}
