package org.cohort.crypto.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.Names;

/** Builds the X.509 certificates Cohort needs, with Bouncy Castle; returns JDK certificate objects. */
final class CertificateBuilder {

    private CertificateBuilder() {}

    /**
     * A self-signed CA certificate allowed to sign end-entity certificates only (pathLen 0).
     *
     * <p>Besides the CN, the name carries a random serialNumber attribute: every Cohort CA has the
     * same CN, and TLS stacks pick certificates and build paths by issuer <em>name</em>, so two
     * coordinators (say test and production) would otherwise be confused for one another.
     */
    static X509Certificate selfSignedCa(KeyPair keyPair, String commonName, Instant notBefore, Instant notAfter) {
        byte[] installation = new byte[8];
        Algorithms.random().nextBytes(installation);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .addRDN(BCStyle.SERIALNUMBER, HexFormat.of().formatHex(installation))
                .build();
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                            subject, randomSerial(), toDate(notBefore), toDate(notAfter), subject, spki)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(spki))
                    .addExtension(
                            Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(spki));
            return sign(builder, keyPair.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("Could not build the CA certificate", e);
        }
    }

    /** An end-entity certificate for {@code subjectKey}, signed by the CA. */
    static X509Certificate endEntity(
            X509Certificate caCertificate,
            PrivateKey caKey,
            String commonName,
            SubjectPublicKeyInfo subjectKey,
            BigInteger serial,
            Instant notBefore,
            Instant notAfter,
            CertificateProfile profile,
            List<GeneralName> subjectAlternativeNames) {
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X500Name issuer =
                    X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                            issuer,
                            serial,
                            toDate(notBefore),
                            toDate(notAfter),
                            Names.commonName(commonName),
                            subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            extensions.createAuthorityKeyIdentifier(caCertificate));
            switch (profile) {
                case TLS_CLIENT ->
                    builder.addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                case TLS_SERVER ->
                    builder.addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                case SIGNING_KEY_HOLDER -> {}
            }
            if (!subjectAlternativeNames.isEmpty()) {
                builder.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(subjectAlternativeNames.toArray(GeneralName[]::new)));
            }
            return sign(builder, caKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("Could not build a " + profile + " certificate for CN=" + commonName, e);
        }
    }

    /**
     * A self-signed certificate whose only job is to let PKCS12 store a private key that no CA
     * certified (PKCS12 key entries need a certificate); nobody is meant to trust it.
     */
    static X509Certificate keyHolder(KeyPair keyPair, String commonName, Instant notBefore, Instant notAfter) {
        X500Name subject = Names.commonName(commonName);
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded());
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                            subject, randomSerial(), toDate(notBefore), toDate(notAfter), subject, spki)
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            return sign(builder, keyPair.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("Could not build a key-holder certificate", e);
        }
    }

    /** A positive, non-zero 128-bit serial: unpredictable, so certificate contents cannot be chosen ahead. */
    static BigInteger randomSerial() {
        byte[] bytes = new byte[16];
        BigInteger serial;
        do {
            Algorithms.random().nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    /** X.509 times have one-second resolution; truncating up front keeps returned instants equal to the certificate's. */
    static Instant toCertificateTime(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS);
    }

    private static Date toDate(Instant instant) {
        return Date.from(toCertificateTime(instant));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws CertificateException {
        String algorithm =
                "EdDSA".equals(issuerKey.getAlgorithm()) || Algorithms.ED25519.equals(issuerKey.getAlgorithm())
                        ? Algorithms.ED25519
                        : Algorithms.ECDSA_SIGNATURE;
        ContentSigner signer;
        try {
            signer = new JcaContentSignerBuilder(algorithm).build(issuerKey);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("Cannot sign certificates with a " + issuerKey.getAlgorithm() + " key", e);
        }
        X509CertificateHolder holder = builder.build(signer);
        return new JcaX509CertificateConverter().getCertificate(holder);
    }
}
