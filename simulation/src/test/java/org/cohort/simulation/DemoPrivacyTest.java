package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;

/** The demo says the σ its sites will use: calibrated with the final evaluation's release reserved. */
class DemoPrivacyTest {

    @Test
    void theStudysNoiseFloorLeavesRoomForTheNoisedFinalEvaluation() {
        DemoPrivacy p = DemoPrivacy.calibrate(PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 10, List.of(219));
        assertThat(p.explanation()).contains("σ_eval = 14.6 per count", "219 rows");
        // Training at the floor plus the evaluation's release ends within ε = 1.
        var events = new ArrayList<>(DemoPrivacy.patientSchedule(p.sigma() / 1.0001, 219, 10));
        events.add(new PrivacyEvent.SampledGaussian(1.0, 14.5673828125, 1));
        double epsilon =
                PrivacyAccountant.create(AccountantKind.RDP).composeAll(events).epsilon(1e-5);
        assertThat(epsilon).isLessThanOrEqualTo(1.0).isGreaterThan(0.95);
    }
}
