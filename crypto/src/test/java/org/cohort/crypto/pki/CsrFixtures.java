package org.cohort.crypto.pki;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** CSRs with keys the site agent would never generate, to test what the CA refuses. */
final class CsrFixtures {

    private CsrFixtures() {}

    static byte[] rsaCsr(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return csr(generator.generateKeyPair(), "SHA256withRSA");
    }

    static byte[] p384Csr() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        return csr(generator.generateKeyPair(), "SHA384withECDSA");
    }

    static byte[] ed25519Csr() throws Exception {
        return csr(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), "Ed25519");
    }

    private static byte[] csr(KeyPair keys, String signatureAlgorithm) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=odd-site"), keys.getPublic())
                .build(new JcaContentSignerBuilder(signatureAlgorithm).build(keys.getPrivate()))
                .getEncoded();
    }
}
