package org.cohort.coordinator.audit;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import org.cohort.crypto.signature.ModelSigner;
import org.cohort.crypto.signature.UpdateSigner;

/**
 * An Ed25519 signer from the JDK, standing in for the coordinator's CA key in tests, and for a
 * site's update-signing key (both are Ed25519 keys that sign bytes).
 */
public final class TestSigner implements ModelSigner, UpdateSigner {
    private final KeyPair keys;
    private volatile boolean broken;

    public TestSigner() {
        try {
            keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes every later {@link #sign} fail, as a lost key or HSM outage would. */
    public void breakIt() {
        broken = true;
    }

    @Override
    public byte[] sign(byte[] message) {
        if (broken) {
            throw new IllegalStateException("signing key unavailable (test)");
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.getPrivate());
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] publicKey() {
        return keys.getPublic().getEncoded();
    }
}
