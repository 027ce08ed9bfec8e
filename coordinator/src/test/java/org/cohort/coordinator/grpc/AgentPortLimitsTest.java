package org.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.junit.jupiter.api.Test;

class AgentPortLimitsTest {

    @Test
    void unsetLimitsKeepTheirDefaults() {
        var none = new CoordinatorProperties.AgentPort(null, null, null, null, null, null);
        assertThat(AgentPortLimits.from(none)).isEqualTo(AgentPortLimits.DEFAULTS);
        assertThat(AgentPortLimits.from(null)).isEqualTo(AgentPortLimits.DEFAULTS);
    }

    @Test
    void anOperatorOverridesOneLimitAndKeepsTheOthers() {
        var set = new CoordinatorProperties.AgentPort(null, Duration.ofSeconds(30), null, null, null, 200);
        var limits = AgentPortLimits.from(set);
        assertThat(limits.maxConnectionIdle()).isEqualTo(Duration.ofSeconds(30));
        assertThat(limits.maxConnectionsPerAddress()).isEqualTo(200);
        assertThat(limits.handshakeTimeout()).isEqualTo(AgentPortLimits.HANDSHAKE_TIMEOUT);
        assertThat(limits.maxConnectionAge()).isEqualTo(AgentPortLimits.MAX_CONNECTION_AGE);
    }

    @Test
    void theDefaultsLetAnAgentWorkAndCutStrangersOff() {
        var d = AgentPortLimits.DEFAULTS;
        // An agent's enrollment call gets 30 s; a stranger without a certificate gets little more.
        assertThat(d.unauthenticatedLifetime())
                .isGreaterThan(Duration.ofSeconds(30))
                .isLessThan(d.maxConnectionIdle());
        assertThat(d.handshakeTimeout()).isLessThan(d.unauthenticatedLifetime());
        assertThat(d.maxConnectionAgeGrace()).isLessThan(d.maxConnectionAge());
    }

    @Test
    void refusesLimitsThatMakeNoSense() {
        assertThatThrownBy(() -> AgentPortLimits.from(
                        new CoordinatorProperties.AgentPort(Duration.ZERO, null, null, null, null, null)))
                .hasMessageContaining("positive");
        assertThatThrownBy(() ->
                        AgentPortLimits.from(new CoordinatorProperties.AgentPort(null, null, null, null, null, 0)))
                .hasMessageContaining("at least 1");
    }
}
