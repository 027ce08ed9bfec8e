package org.cohort.crypto.secagg;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-128-GCM encryption of the shares one site sends another through the server. The key is
 * HKDF-SHA256(X25519(c_i, c_j), salt = round nonce, info = {@value Labels#SHARE_KEY}); both
 * directions of a pair share it, so every encryption takes a fresh random 96-bit IV (sent in front
 * of the ciphertext). The associated data binds (nonce, sender, recipient): a share replayed from
 * another round or re-addressed to another site fails authentication.
 */
final class ShareCipher {

  static final int IV_BYTES = 12;
  static final int TAG_BITS = 128;
  static final int OVERHEAD_BYTES = IV_BYTES + TAG_BITS / 8;

  private ShareCipher() {}

  static byte[] pairKey(byte[] ownEncryptionPrivateKey, byte[] peerEncryptionPublicKey, byte[] roundNonce) {
    byte[] shared = X25519Keys.agree(ownEncryptionPrivateKey, peerEncryptionPublicKey);
    try {
      return Hkdf.derive(shared, roundNonce, Labels.bytes(Labels.SHARE_KEY), 16);
    } finally {
      Arrays.fill(shared, (byte) 0);
    }
  }

  static byte[] seal(byte[] key, byte[] roundNonce, int sender, int recipient, byte[] plaintext, SecureRandom random) {
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(associatedData(roundNonce, sender, recipient));
      byte[] out = new byte[IV_BYTES + cipher.getOutputSize(plaintext.length)];
      System.arraycopy(iv, 0, out, 0, IV_BYTES);
      cipher.doFinal(plaintext, 0, plaintext.length, out, IV_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM/NoPadding is missing from this JDK; use a standard JDK 21+", e);
    }
  }

  /**
   * The plaintext, or empty if the ciphertext, its IV or the (nonce, sender, recipient) binding
   * was altered.
   */
  static Optional<byte[]> open(byte[] key, byte[] roundNonce, int sender, int recipient, byte[] sealed) {
    if (sealed.length < OVERHEAD_BYTES) {
      return Optional.empty();
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES));
      cipher.updateAAD(associatedData(roundNonce, sender, recipient));
      return Optional.of(cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES));
    } catch (AEADBadTagException e) {
      return Optional.empty();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM/NoPadding is missing from this JDK; use a standard JDK 21+", e);
    }
  }

  private static byte[] associatedData(byte[] roundNonce, int sender, int recipient) {
    return CanonicalWriter.labelled(Labels.SHARE_AAD).bytes(roundNonce).int32(sender).int32(recipient).toByteArray();
  }
}
