package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Unit;
import org.junit.jupiter.api.Test;

class SitePrivacyPolicyTest {

    @Test
    void refusesADeltaThatIsNotBelowOneOverTheSitesRowCount() {
        // The reason goes to the coordinator: it says what to do, and never the site's row count.
        assertThat(SitePrivacyPolicy.deltaRefusal(0.01, 100))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("δ = 0.01", "not below 1/n", "ask the study owner")
                        .doesNotContain("100"));
        assertThat(SitePrivacyPolicy.deltaRefusal(0.004, 300)).isPresent();
        assertThat(SitePrivacyPolicy.deltaRefusal(1e-5, 300)).isEmpty();
        assertThat(SitePrivacyPolicy.deltaRefusal(0.01, -1))
                .as("a learner that cannot count rows")
                .isEmpty();
    }

    @Test
    void refusesARoundThatWouldPassTheAdminsCeiling() {
        var planned = new PrivacyCharge(Unit.PATIENT, 0.1, 1.0, 100);
        assertThat(SitePrivacyPolicy.refusal(List.of(), planned, 0.5, 1e-5, AccountantKind.RDP))
                .hasValueSatisfying(reason -> assertThat(reason).contains("privacy.patient-epsilon-ceiling"));
        assertThat(SitePrivacyPolicy.refusal(List.of(), planned, 100.0, 1e-5, AccountantKind.RDP))
                .isEmpty();
    }

    @Test
    void capsAPatientOverEveryStudyAtThisSiteWithItsOwnDelta() {
        // Two studies, each under its per-study ceiling, together past the same ceiling over all studies.
        var round = new PrivacyCharge(Unit.PATIENT, 0.1, 1.5, 50);
        var rdp = org.cohort.privacy.accounting.RdpAccountant.withDefaultOrders();
        double one = rdp.composeAll(List.of(round.event())).epsilon(1e-5);
        double both = rdp.composeAll(List.of(round.event(), round.event())).epsilon(1e-5);
        double ceiling = 1.2 * one;
        assertThat(both).isGreaterThan(ceiling);
        assertThat(SitePrivacyPolicy.refusal(List.of(), round, ceiling, 1e-5, AccountantKind.RDP))
                .isEmpty();
        var otherStudy = List.of(round.event());
        assertThat(SitePrivacyPolicy.allStudiesRefusal(otherStudy, round, ceiling, 1e-5))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("patient-level ε over all studies from "
                                + String.format(java.util.Locale.ROOT, "%.4f", one))
                        .contains("privacy.patient-epsilon-ceiling-all-studies", "δ = 1.0E-5", "rdp accountant"));
        assertThat(SitePrivacyPolicy.allStudiesRefusal(otherStudy, round, 1.01 * both, 1e-5))
                .isEmpty();
        // Its own δ: a smaller δ makes the same events cost more ε.
        assertThat(SitePrivacyPolicy.allStudiesRefusal(otherStudy, round, 1.01 * both, 1e-9))
                .isPresent();
        assertThat(SitePrivacyPolicy.allStudiesRefusal(otherStudy, round, null, 1e-5))
                .isEmpty();
        assertThat(SitePrivacyPolicy.allStudiesRefusal(otherStudy, new PrivacyCharge(Unit.SITE, 1, 1, 1), 0.01, 1e-5))
                .as("site-level rounds protect another unit")
                .isEmpty();
    }
}
