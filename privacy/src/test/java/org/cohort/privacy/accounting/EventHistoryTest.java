package org.cohort.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.cohort.privacy.accounting.PrivacyEvent.Gaussian;
import org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian;
import org.junit.jupiter.api.Test;

class EventHistoryTest {

    @Test
    void canonicalJsonIsRfc8785() {
        EventHistory h = EventHistory.empty(Unit.PATIENT)
                .append("study-1/round-1", new SampledGaussian(150.0 / 60000, 1.3, 6000))
                .append("study-1/round-2", new Gaussian(2.5, 3))
                .append("study-1/round-3", new SampledGaussian(1e-5, 0.5, 1));
        assertThat(h.toCanonicalJson())
                .isEqualTo("{\"entries\":["
                        + "{\"event\":{\"noiseMultiplier\":1.3,\"samplingRate\":0.0025,\"steps\":6000,"
                        + "\"type\":\"sampled_gaussian\"},\"id\":\"study-1/round-1\"},"
                        + "{\"event\":{\"count\":3,\"noiseMultiplier\":2.5,\"type\":\"gaussian\"},\"id\":\"study-1/round-2\"},"
                        + "{\"event\":{\"noiseMultiplier\":0.5,\"samplingRate\":0.00001,\"steps\":1,"
                        + "\"type\":\"sampled_gaussian\"},\"id\":\"study-1/round-3\"}],"
                        + "\"unit\":\"PATIENT\"}");
    }

    @Test
    void readsHistoriesExportedBeforeTheRfc8785Form() {
        // The form written until the canonical forms were unified: "unit" first, Java's number spelling.
        String old = "{\"unit\":\"PATIENT\",\"entries\":[{\"id\":\"study-1/round-1\",\"event\":{\"type\":"
                + "\"sampled_gaussian\",\"samplingRate\":1.0E-5,\"noiseMultiplier\":1.3,\"steps\":6000}},"
                + "{\"id\":\"study-1/round-2\",\"event\":{\"type\":\"gaussian\",\"noiseMultiplier\":2.5,\"count\":3}}]}";
        assertThat(EventHistory.parseCanonicalJson(old))
                .isEqualTo(EventHistory.empty(Unit.PATIENT)
                        .append("study-1/round-1", new SampledGaussian(1e-5, 1.3, 6000))
                        .append("study-1/round-2", new Gaussian(2.5, 3)));
    }

    @Test
    void roundTripsGeneratedHistoriesExactly() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 50; trial++) {
            EventHistory h = EventHistory.empty(random.nextBoolean() ? Unit.PATIENT : Unit.SITE);
            int n = random.nextInt(6);
            for (int i = 0; i < n; i++) {
                PrivacyEvent e = random.nextBoolean()
                        ? new SampledGaussian(random.nextDouble(), random.nextDouble() * 10, 1 + random.nextInt(100000))
                        : new Gaussian(Math.scalb(random.nextDouble(), -random.nextInt(40)), 1 + random.nextInt(10));
                h = h.append("site \"" + i + "\"\\round\n" + trial, e);
            }
            String json = h.toCanonicalJson();
            EventHistory back = EventHistory.parseCanonicalJson(json);
            assertThat(back).isEqualTo(h);
            assertThat(back.toCanonicalJson()).isEqualTo(json);
        }
    }

    @Test
    void parsesWhitespaceAndRecomputesTheSameEpsilon() {
        String json = """
        { "unit": "SITE",
          "entries": [ { "id": "r1", "event": { "type": "sampled_gaussian", "samplingRate": 1.0E-2,
                                               "noiseMultiplier": 0.7, "steps": 120 } } ] }
        """;
        EventHistory h = EventHistory.parseCanonicalJson(json);
        assertThat(h.unit()).isEqualTo(Unit.SITE);
        double eps = RdpAccountant.withDefaultOrders().composeAll(h.events()).epsilon(1e-5);
        assertThat(eps)
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .compose(new SampledGaussian(0.01, 0.7, 120))
                        .epsilon(1e-5));
    }

    @Test
    void refusesToChargeTheSameEntryTwice() {
        EventHistory h = EventHistory.empty(Unit.SITE).append("round-7", new Gaussian(1, 1));
        assertThat(h.contains("round-7")).isTrue();
        assertThatThrownBy(() -> h.append("round-7", new Gaussian(1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("charged only once");
    }

    @Test
    void rejectsMalformedInputWithAReason() {
        assertThatThrownBy(() -> EventHistory.parseCanonicalJson("{\"unit\":\"PATIENT\",\"entries\":[}"))
                .hasMessageContaining("offset");
        assertThatThrownBy(() -> EventHistory.parseCanonicalJson("{\"unit\":\"ROBOT\",\"entries\":[]}"))
                .hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> EventHistory.parseCanonicalJson(
                        "{\"unit\":\"SITE\",\"entries\":[{\"id\":\"a\",\"event\":{\"type\":\"laplace\"}}]}"))
                .hasMessageContaining("unknown privacy event type");
        assertThatThrownBy(() -> EventHistory.parseCanonicalJson(
                        "{\"unit\":\"SITE\",\"entries\":[{\"id\":\"a\",\"event\":{\"type\":\"gaussian\","
                                + "\"noiseMultiplier\":1,\"count\":2.5}}]}"))
                .hasMessageContaining("integer");
    }

    @Test
    void eventsValidateTheirParameters() {
        assertThatThrownBy(() -> new SampledGaussian(1.2, 1, 1)).hasMessageContaining("samplingRate");
        assertThatThrownBy(() -> new SampledGaussian(0.1, Double.NaN, 1)).hasMessageContaining("noiseMultiplier");
        assertThatThrownBy(() -> new SampledGaussian(0.1, 1, 0)).hasMessageContaining("steps");
        assertThatThrownBy(() -> new Gaussian(1, 0)).hasMessageContaining("count");
    }

    @Test
    void describesEventsForPeople() {
        assertThat(new SampledGaussian(0.0025, 1.3, 1).describe())
                .isEqualTo("sampled Gaussian q=0.0025, σ=1.3, 1 step");
        assertThat(new Gaussian(2, 5).describe()).isEqualTo("Gaussian σ=2, 5 releases");
    }
}
