package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class PrivacyWordsJsonTest {
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void aStudySpecReadsAndWritesThePrivacyWordsPeopleType() {
        var p = json.readValue(
                "{\"mode\":\"Patient\",\"accountant\":\"pld\",\"epsilonBudget\":1.0}", StudySpec.Privacy.class);

        assertThat(p.mode()).isEqualTo(PrivacyMode.PRIVACY_MODE_PATIENT);
        assertThat(p.accountant()).isEqualTo(Accountant.ACCOUNTANT_PLD);
        assertThat(p.patientLevel()).isTrue();
        assertThat(p.unit()).isEqualTo(Unit.PATIENT);
        assertThat(p.accountantKind()).isEqualTo(AccountantKind.PLD);
        assertThat(json.writeValueAsString(p)).contains("\"mode\":\"patient\"").contains("\"accountant\":\"pld\"");
    }

    @Test
    void aStoredSpecReadsBackTheSame() {
        var spec = new StudySpec.Privacy(PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.2, 1e-5, 3.0, null, null, null)
                .withEvaluationNoise();

        var again = json.readValue(json.writeValueAsString(spec), StudySpec.Privacy.class);

        assertThat(again).isEqualTo(spec);
        assertThat(again.siteLevel()).isTrue();
        assertThat(again.accountantKind()).isEqualTo(AccountantKind.RDP);
    }

    @Test
    void anUnknownWordIsRefusedWithTheWordsThatAreAllowed() {
        assertThatThrownBy(() -> json.readValue("{\"mode\":\"gdp\"}", StudySpec.Privacy.class))
                .rootCause()
                .hasMessage("privacy mode must be 'none', 'patient' or 'site', got 'gdp'");
        assertThatThrownBy(
                        () -> json.readValue("{\"mode\":\"site\",\"accountant\":\"moments\"}", StudySpec.Privacy.class))
                .rootCause()
                .hasMessage("accountant must be 'rdp' or 'pld', got 'moments'");
    }

    @Test
    void withoutAModeAStudyHasNoPrivacy() {
        var p = json.readValue("{}", StudySpec.Privacy.class);

        assertThat(p.enabled()).isFalse();
        assertThat(p.unit()).isNull();
        assertThat(new StudySpec(null, null, null, null, null, null, null, null, null, p, null, null)
                        .withDefaults()
                        .privacy())
                .isEqualTo(StudySpec.Privacy.NONE);
    }
}
