package org.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinCodeTest {
    private static final String FINGERPRINT = "sha256:" + "ab".repeat(32);
    private static final String TOKEN = "cohort1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    private static final JoinCode CODE =
            new JoinCode("Cleveland Clinic", List.of("a.example.org:9443", "b.example.org:9443"), FINGERPRINT, TOKEN);

    @Test
    void aCodeReadsBackAsWrittenAndIsPlainBase64UrlOfKeyValueLines() {
        String text = CODE.encode();
        assertThat(text).startsWith("cohort-join1.").doesNotContain("=", "+", "/");
        assertThat(JoinCode.decode("  " + text + "\n")).isEqualTo(CODE);
        String inside = new String(
                Base64.getUrlDecoder().decode(text.substring(JoinCode.PREFIX.length())), StandardCharsets.UTF_8);
        assertThat(inside).contains("site=Cleveland Clinic\n", "addresses=a.example.org:9443,b.example.org:9443\n");
    }

    @Test
    void itsTextFormNeverShowsTheToken() {
        assertThat(CODE.toString()).doesNotContain(TOKEN).contains("<hidden>");
    }

    @Test
    void damagedOrForeignCodesAreRefusedWithWhatToDoAndWithoutTheToken() throws Exception {
        String text = CODE.encode();
        assertThatThrownBy(() -> JoinCode.decode(TOKEN))
                .hasMessageContaining("to start with 'cohort-join1.'")
                .hasMessageNotContaining("BBBB");
        assertThatThrownBy(() -> JoinCode.decode(text.substring(0, text.length() - 30) + "!!"))
                .hasMessageContaining("damaged");
        assertThatThrownBy(() -> JoinCode.decode(text.substring(0, text.length() - 40)))
                .hasMessageContaining("cut short or altered")
                .hasMessageNotContaining("BBBB");
        assertThatThrownBy(() -> JoinCode.decode(JoinCode.PREFIX + "x".repeat(5000)))
                .hasMessageContaining("at most 4096 characters");
        String repeated = JoinCode.PREFIX
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(withCheck("site=a\nsite=b\naddresses=h:1\nca-fingerprint=" + FINGERPRINT
                                        + "\ntoken=" + TOKEN + "\n")
                                .getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> JoinCode.decode(repeated)).hasMessageContaining("repeats 'site'");
    }

    /** The lines with the check a real code carries, computed as JoinCode does. */
    private static String withCheck(String lines) throws Exception {
        byte[] digest =
                java.security.MessageDigest.getInstance("SHA-256").digest(lines.getBytes(StandardCharsets.UTF_8));
        return lines + "check=" + java.util.HexFormat.of().formatHex(digest, 0, 8) + "\n";
    }

    @Test
    void everyFieldIsChecked() {
        assertThatThrownBy(() -> new JoinCode("a\nsite=b", List.of("h:1"), FINGERPRINT, TOKEN))
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> new JoinCode("a", List.of("no-port"), FINGERPRINT, TOKEN))
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> new JoinCode("a", List.of(), FINGERPRINT, TOKEN))
                .hasMessageContaining("at least one coordinator address");
        assertThatThrownBy(() -> new JoinCode("a", List.of("h:1"), "sha256:xyz", TOKEN))
                .hasMessageContaining("CA fingerprint");
        assertThatThrownBy(() -> new JoinCode("a", List.of("h:1"), FINGERPRINT, "short"))
                .hasMessageContaining("enrollment token");
    }
}
