package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SiteNamesTest {

    @Test
    void everyAcceptedNameGivesAnIdThatCanBeCertifiedAndHeldByTheAgent(@TempDir Path dir) {
        SiteCertificateAuthority ca = SiteCertificateAuthority.openOrCreate(dir, "pw".toCharArray(), Clock.systemUTC());
        SiteKeys keys = SiteKeys.generate();
        byte[] csr = keys.certificateRequest("ignored");
        CheckedCertificateRequest checked = ca.checkRequest(csr);
        Random random = new Random(9);
        String alphabet = "ABCdef0123456789 ._'-";
        List<String> names = new ArrayList<>();
        for (int length = 1; length <= SiteNames.MAX_LENGTH; length++) {
            StringBuilder name = new StringBuilder("H");
            while (name.length() < length) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(name.toString());
        }
        for (String name : names) {
            ca.checkRequest(keys.certificateRequest(name)); // the agent puts the name in its request
            String id = SiteNames.newSiteId(SiteNames.check(name));
            assertThat(id)
                    .as(name)
                    .hasSizeLessThanOrEqualTo(SiteNames.MAX_SITE_ID_LENGTH)
                    .matches("site-[a-z0-9-]+-[0-9a-f]{6}");
            // The CA certifies it and the agent can build its identity (the update-signing holder is named after it).
            var issued = ca.issue(checked, id);
            SiteIdentity.create(keys, issued.certificate(), ca.caCertificate());
        }
    }

    @Test
    void idsKeepTheNameReadable() {
        assertThat(SiteNames.newSiteId("St Mary's Hospital")).matches("site-st-mary-s-hospital-[0-9a-f]{6}");
        assertThat(SiteNames.newSiteId("x".repeat(SiteNames.MAX_LENGTH)))
                .matches("site-x{" + SiteNames.MAX_SLUG + "}-[0-9a-f]{6}");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" leading space", "-dash first", "tab\tinside", "semi;colon", "<script>", "ünïcode"})
    void refusesNamesOutsideTheRule(String name) {
        assertThatThrownBy(() -> SiteNames.check(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to " + SiteNames.MAX_LENGTH);
    }

    @Test
    void refusesANameOneCharacterTooLong() {
        assertThat(SiteNames.check("a".repeat(SiteNames.MAX_LENGTH))).hasSize(SiteNames.MAX_LENGTH);
        assertThatThrownBy(() -> SiteNames.check("a".repeat(SiteNames.MAX_LENGTH + 1)))
                .hasMessageContaining("101 characters");
    }

    @Test
    void theCaRefusesIdsTheAgentCouldNotHold(@TempDir Path dir) {
        SiteCertificateAuthority ca = SiteCertificateAuthority.openOrCreate(dir, "pw".toCharArray(), Clock.systemUTC());
        byte[] csr = SiteKeys.generate().certificateRequest("ignored");
        assertThatThrownBy(() -> ca.issue(csr, "s".repeat(SiteNames.MAX_SITE_ID_LENGTH + 1)))
                .isInstanceOf(CertificateRequestRejectedException.class)
                .hasMessageContaining("1 to " + SiteNames.MAX_SITE_ID_LENGTH);
    }
}
