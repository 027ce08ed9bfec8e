package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.cohort.privacy.accounting.AccountantKind;
import org.junit.jupiter.api.Test;

class SitePrivacyPolicyTest {

    @Test
    void refusesADeltaThatIsNotBelowOneOverTheSitesRowCount() {
        assertThat(SitePrivacyPolicy.deltaRefusal(0.01, 100)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("δ = 0.01").contains("100 training rows").contains("1e-03"));
        assertThat(SitePrivacyPolicy.deltaRefusal(0.004, 300)).isPresent();
        assertThat(SitePrivacyPolicy.deltaRefusal(1e-5, 300)).isEmpty();
        assertThat(SitePrivacyPolicy.deltaRefusal(0.01, -1)).as("a learner that cannot count rows").isEmpty();
    }

    @Test
    void refusesARoundThatWouldPassTheAdminsCeiling() {
        var planned = new PrivacyCharge("patient", 0.1, 1.0, 100);
        assertThat(SitePrivacyPolicy.refusal(List.of(), planned, 0.5, 1e-5, AccountantKind.RDP))
                .hasValueSatisfying(reason -> assertThat(reason).contains("privacy.patient-epsilon-ceiling"));
        assertThat(SitePrivacyPolicy.refusal(List.of(), planned, 100.0, 1e-5, AccountantKind.RDP)).isEmpty();
    }
}
