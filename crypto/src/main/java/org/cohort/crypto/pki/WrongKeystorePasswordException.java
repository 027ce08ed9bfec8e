package org.cohort.crypto.pki;

import java.nio.file.Path;

/** A PKCS12 keystore exists but the password given for it is not the one it was written with. */
public final class WrongKeystorePasswordException extends RuntimeException {

    private final Path keystore;

    WrongKeystorePasswordException(Path keystore, String whatItHolds, Throwable cause) {
        super(
                "Cannot open " + keystore + " (" + whatItHolds + "): the password is wrong. Use the password that was"
                        + " given when it was created (check the configured secret or environment variable). If that password is"
                        + " lost, the keys cannot be recovered: move the file away and create new ones (a new CA means every site"
                        + " must enroll again).",
                cause);
        this.keystore = keystore;
    }

    public Path keystore() {
        return keystore;
    }
}
