package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cohort.coordinator.audit.TestSigner;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.crypto.secagg.MaskedInput;
import org.cohort.crypto.secagg.SecAggClient;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;

/**
 * A secure round of a site-level DP study: the sites noise their own inputs inside the ring, the
 * coordinator unmasks a sum that is already noised — with the accounted noise even when sites
 * drop — and adds nothing of its own.
 */
class SiteNoiseRoundTest {
    private static final int SITES = 5;
    private static final int D = 20_000;
    private static final double CLIP = 0.5;
    private static final double Z = 1.2;

    @Test
    void unmaskedSumOfTheSurvivorsCarriesTheAccountedNoiseWhenSitesDrop() {
        var spec = spec();
        var keys = new ArrayList<TestSigner>();
        var names = new ArrayList<String>();
        for (int i = 0; i < SITES; i++) {
            keys.add(new TestSigner());
            names.add("site-" + i);
        }
        byte[] nonce = new byte[32];
        new java.security.SecureRandom().nextBytes(nonce);
        var round = new SecureRound(
                names,
                nonce,
                null,
                null,
                4.0,
                D,
                Duration.ofSeconds(60),
                Instant.now().plusSeconds(600),
                s -> keys.get(names.indexOf(s)).publicKey(),
                spec.privacy());
        var noise = round.siteNoise;
        assertThat(noise).isNotNull();
        assertThat(noise.minSurvivors()).isEqualTo(round.parameters.threshold()).isEqualTo(3);
        assertThat(noise).usingRecursiveComparison().isEqualTo(SecureRound.siteNoise(spec, SITES, D));

        var clients = new ArrayList<SecAggClient>();
        for (int i = 0; i < SITES; i++) {
            clients.add(new SecAggClient(
                    round.parameters,
                    i,
                    keys.get(i),
                    j -> SignatureVerifier.ed25519(keys.get(j).publicKey())));
        }
        clients.forEach(c -> round.server.receiveKeys(c.advertiseKeys()));
        var rosters = round.server.closeAdvertiseKeys();
        clients.forEach(c -> round.server.receiveShares(c.shareKeys(rosters.get(c.clientIndex()))));
        var relays = round.server.closeShareKeys();
        // Sites 3 and 4 drop after the key exchange: only the threshold, 3 sites, send inputs.
        List<SecAggClient> survivors = clients.subList(0, 3);
        for (var c : survivors) {
            // Zero updates: what the coordinator unmasks is pure noise, each site's own share.
            var source = new SplittableRandom(40 + c.clientIndex());
            int[] input = noise.encode(new double[D], source::nextLong);
            MaskedInput masked = c.maskInput(relays.get(c.clientIndex()), input);
            round.server.receiveMaskedInput(masked);
        }
        var consistency = round.server.closeMaskedInput();
        survivors.forEach(c -> round.server.receiveConsistencySignature(c.checkConsistency(consistency)));
        var unmask = round.server.closeConsistencyCheck();
        survivors.forEach(c -> round.server.receiveUnmaskResponse(c.unmask(unmask.get(c.clientIndex()))));
        SecureRound.Released released = round.release();

        assertThat(released.survivors()).isEqualTo(3);
        assertThat(released.noisedAtSites()).isTrue();
        double variance = org.apache.commons.math3.stat.StatUtils.variance(released.sum());
        double accounted = Math.pow(noise.effectiveNoiseMultiplier() * noise.effectiveSensitivity(), 2);
        System.out.printf(
                "secure round, 3 of 5 sites: unmasked sum variance %.6g per coordinate, accounted"
                        + " σ_eff²·C'² = %.6g (σ_eff = %.9f, C' = %.9f)%n",
                variance, accounted, noise.effectiveNoiseMultiplier(), noise.effectiveSensitivity());
        // The sample variance of N values has relative standard deviation √(2/N) = 1% here.
        assertThat(variance).isGreaterThan(accounted * (1 - 5 * Math.sqrt(2.0 / D)));

        // The coordinator adds nothing: the next model is the base plus the released sum / survivors.
        var study = new Study("s", spec, "{}", StudyStatus.RUNNING, "", 0, 0, Instant.now(), Instant.now());
        float[] next = RoundPublisher.secureNextGlobal(study, new float[D], released);
        for (int i = 0; i < D; i++) {
            assertThat(next[i]).isEqualTo((float) (released.sum()[i] / 3));
        }
    }

    @Test
    void aSiteLevelRoundWhoseSumTheSitesDidNotNoiseIsNotPublished() {
        var study = new Study("s", spec(), "{}", StudyStatus.RUNNING, "", 0, 0, Instant.now(), Instant.now());
        var unnoised = new SecureRound.Released(new double[3], 3, false);
        assertThatThrownBy(() -> RoundPublisher.secureNextGlobal(study, new float[3], unnoised))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not noise");
    }

    @Test
    void onlySiteLevelStudiesNoiseInTheRing() {
        var patient = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 1.0, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, false);
        assertThat(SecureRound.siteNoise(patient, 3, 2, 10)).isNull();
        assertThat(SecureRound.siteNoise(StudySpec.Privacy.NONE, 3, 2, 10)).isNull();
        assertThat(SecureRound.siteNoise(spec().privacy(), 3, 2, 10).minSurvivors())
                .isEqualTo(2);
    }

    private static StudySpec spec() {
        return new StudySpec(
                        "dp",
                        null,
                        null,
                        null,
                        2,
                        3,
                        60,
                        1,
                        "fedavg",
                        new StudySpec.Privacy(
                                PrivacyMode.PRIVACY_MODE_SITE,
                                CLIP,
                                Z,
                                1e-5,
                                10.0,
                                Accountant.ACCOUNTANT_RDP,
                                null,
                                false),
                        new StudySpec.SecureAggregation(true, null, null, 4.0, 20),
                        null)
                .withDefaults();
    }
}
