package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.cohort.crypto.signature.SignatureVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteIdentityTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T09:00:00Z"), ZoneOffset.UTC);
    private static final char[] PASSWORD = "site secret".toCharArray();

    @TempDir
    static Path caDir;

    private static SiteCertificateAuthority ca;

    @TempDir
    Path siteDir;

    @BeforeAll
    static void createCa() {
        ca = SiteCertificateAuthority.openOrCreate(caDir, "ca secret".toCharArray(), CLOCK);
    }

    @Test
    void certificateRequestIsSignedByTheTlsKey() throws Exception {
        SiteKeys keys = SiteKeys.generate();

        PKCS10CertificationRequest request = new PKCS10CertificationRequest(keys.certificateRequest("site-hungary"));

        assertThat(request.getSubject().toString()).isEqualTo("CN=site-hungary");
        assertThat(request.getSubjectPublicKeyInfo().getEncoded())
                .isEqualTo(keys.tlsKeyPair().getPublic().getEncoded());
        assertThat(request.isSignatureValid(
                        new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo())))
                .isTrue();
    }

    @Test
    void identityRoundTripsThroughPasswordProtectedFile() throws Exception {
        SiteKeys keys = SiteKeys.generate();
        IssuedCertificate issued = ca.issue(keys.certificateRequest("site-va"), "site-va");
        SiteIdentity identity = SiteIdentity.create(keys, issued.certificate(), ca.caCertificate());
        Path file = siteDir.resolve("identity.p12");

        identity.save(file, PASSWORD);
        SiteIdentity loaded = SiteIdentity.load(file, PASSWORD);

        assertThat(loaded.siteId()).isEqualTo("site-va");
        assertThat(loaded.serial()).isEqualTo(issued.serial());
        assertThat(loaded.certificate()).isEqualTo(issued.certificate());
        assertThat(loaded.caCertificate()).isEqualTo(ca.caCertificate());
        assertThat(loaded.updateSigningPublicKey()).isEqualTo(keys.updateSigningPublicKey());
        byte[] update = "update r3".getBytes(StandardCharsets.UTF_8);
        assertThat(SignatureVerifier.ed25519(keys.updateSigningPublicKey())
                        .verify(update, loaded.updateSigner().sign(update)))
                .isTrue();
        assertThat(loaded.keyManagers()).isNotEmpty();
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
    }

    @Test
    void keysInTheFileKeepStrongKeyDerivationWhileTransientKeyManagersWork() throws Exception {
        SiteKeys keys = SiteKeys.generate();
        SiteIdentity identity = SiteIdentity.create(
                keys, ca.issue(keys.certificateRequest("s"), "s").certificate(), ca.caCertificate());
        Path file = siteDir.resolve("identity.p12");
        identity.save(file, PASSWORD);

        // The in-memory keystore behind the key managers is cheap to open, the file is not.
        var keyManager =
                (javax.net.ssl.X509KeyManager) SiteIdentity.load(file, PASSWORD).keyManagers()[0];
        String alias = keyManager.chooseClientAlias(new String[] {"EC"}, null, null);
        assertThat(keyManager.getPrivateKey(alias).getEncoded())
                .isEqualTo(keys.tlsKeyPair().getPrivate().getEncoded());

        var pfx = new org.bouncycastle.pkcs.PKCS12PfxPdu(Files.readAllBytes(file));
        int shroudedKeys = 0;
        for (var content : pfx.getContentInfos()) {
            if (!content.getContentType().equals(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.data)) {
                continue; // the certificates (encrypted bag)
            }
            for (var bag : new org.bouncycastle.pkcs.PKCS12SafeBagFactory(content).getSafeBags()) {
                if (bag.getType().equals(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs8ShroudedKeyBag)) {
                    var encrypted = (org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo) bag.getBagValue();
                    var pbes2 = org.bouncycastle.asn1.pkcs.PBES2Parameters.getInstance(
                            encrypted.getEncryptionAlgorithm().getParameters());
                    var kdf = org.bouncycastle.asn1.pkcs.PBKDF2Params.getInstance(
                            pbes2.getKeyDerivationFunc().getParameters());
                    assertThat(kdf.getIterationCount().intValue()).isGreaterThanOrEqualTo(10_000);
                    shroudedKeys++;
                }
            }
        }
        assertThat(shroudedKeys).isEqualTo(2);
    }

    @Test
    void wrongKeystorePasswordFailsClearly() {
        SiteKeys keys = SiteKeys.generate();
        SiteIdentity identity = SiteIdentity.create(
                keys, ca.issue(keys.certificateRequest("s"), "s").certificate(), ca.caCertificate());
        Path file = siteDir.resolve("identity.p12");
        identity.save(file, PASSWORD);

        assertThatThrownBy(() -> SiteIdentity.load(file, "nope".toCharArray()))
                .isInstanceOf(WrongKeystorePasswordException.class)
                .hasMessageContaining("password is wrong")
                .hasMessageContaining("site identity keystore");
    }

    @Test
    void rejectsCertificateIssuedForAnotherKey() {
        SiteKeys mine = SiteKeys.generate();
        SiteKeys someoneElses = SiteKeys.generate();
        var theirs = ca.issue(someoneElses.certificateRequest("x"), "x").certificate();

        assertThatThrownBy(() -> SiteIdentity.create(mine, theirs, ca.caCertificate()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different key");
    }

    @Test
    void rejectsCertificateNotSignedByGivenCa() {
        SiteKeys keys = SiteKeys.generate();
        var issued = ca.issue(keys.certificateRequest("x"), "x").certificate();
        var otherCa = SiteCertificateAuthority.openOrCreate(siteDir.resolve("other"), PASSWORD, CLOCK)
                .caCertificate();

        assertThatThrownBy(() -> SiteIdentity.create(keys, issued, otherCa))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not signed by the given CA");
    }
}
