package org.cohort.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cohort.coordinator.grpc.GrpcServer;
import org.junit.jupiter.api.Test;

/** REST answers before the agent port opens; asking for that port then is a 503 to retry, not a 500. */
class AgentPortStartingTest {
    @Test
    void theAgentPortAskedForBeforeItOpensIsAServiceUnavailableWithRetryAfter() {
        var grpc = new GrpcServer(null, null, null, null, null, null, null, null, null, null, null);
        var notOpen = assertThrows(GrpcServer.AgentPortNotOpen.class, grpc::port);

        var response = new ApiErrors().starting(notOpen);

        assertEquals(503, response.getStatusCode().value());
        assertEquals("2", response.getHeaders().getFirst("Retry-After"));
        assertTrue(String.valueOf(response.getBody().get("message")).contains("retry in a few seconds"));
    }
}
