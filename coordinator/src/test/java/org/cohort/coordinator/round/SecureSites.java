package org.cohort.coordinator.round;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.crypto.secagg.SecAggClient;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.crypto.secagg.wire.SecAggWire;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SecAggStep;

/**
 * The sites' side of a secure round under test, each answering a stage as the agent does (real
 * SecAgg+ clients, real masks), from the last message the coordinator sent it; what they send goes
 * to the driver's inbox handler as it would from their sessions.
 */
final class SecureSites {
    private final RoundRig rig;
    private final RoundState round;
    private final byte[] nonce;
    private final Map<String, SecAggClient> clients = new TreeMap<>();

    SecureSites(RoundRig rig, RoundState round) {
        this.rig = rig;
        this.round = round;
        this.nonce = round.nonce();
        for (String site : round.selected()) {
            RoundTask task = last(site, CoordinatorMessage.KindCase.ROUND_TASK).getRoundTask();
            var plan = task.getSecagg();
            var parameters =
                    new SecAggParameters(plan.getSitesByIndexCount(), plan.getThreshold(), plan.getDegree(), nonce);
            clients.put(
                    site,
                    new SecAggClient(
                            parameters,
                            plan.getClientIndex(),
                            rig.keys.get(site),
                            i -> SignatureVerifier.ed25519(
                                    plan.getSigningKeysByIndex(i).toByteArray())));
        }
    }

    private CoordinatorMessage last(String site, CoordinatorMessage.KindCase kind) {
        List<CoordinatorMessage> got = rig.cluster.to(site, kind);
        if (got.isEmpty()) {
            throw new AssertionError("site " + site + " got no " + kind);
        }
        return got.get(got.size() - 1);
    }

    /** The last secure-aggregation message a site received, which must be of {@code kind}. */
    SecAggStep lastStep(String site, SecAggStep.KindCase kind) {
        SecAggStep step = last(site, CoordinatorMessage.KindCase.SECAGG).getSecagg();
        if (step.getKindCase() != kind) {
            throw new AssertionError("site " + site + " last got " + step.getKindCase() + ", not " + kind);
        }
        return step;
    }

    private void send(String site, SecAggStep.Builder step) {
        rig.orchestrator.onLeaderEvent(new LeaderInbox.SecAggMessage(
                site, step.setRoundId(round.roundId()).build().toByteArray()));
    }

    void advertiseKeys(String... sites) {
        for (String site : sites) {
            send(
                    site,
                    SecAggStep.newBuilder()
                            .setKeys(SecAggWire.keys(clients.get(site).advertiseKeys())));
        }
    }

    void shareKeys(String... sites) {
        for (String site : sites) {
            var roster = lastStep(site, SecAggStep.KindCase.ROSTER).getRoster();
            send(
                    site,
                    SecAggStep.newBuilder()
                            .setShares(SecAggWire.shares(
                                    clients.get(site).shareKeys(SecAggWire.keys(nonce, roster.getKeysList())))));
        }
    }

    /** Each site masks an input of all ones and uploads it to this replica; the driver hears of each. */
    void sendMaskedInputs(String... sites) {
        for (String site : sites) {
            var shares = lastStep(site, SecAggStep.KindCase.SHARES).getShares();
            int[] input = new int[RoundRig.PARAMETERS];
            java.util.Arrays.fill(input, 1);
            rig.uploadMasked(
                    site,
                    round,
                    clients.get(site)
                            .maskInput(SecAggWire.shares(nonce, shares), input)
                            .values());
            rig.cluster.deliver();
        }
    }

    void confirm(String... sites) {
        for (String site : sites) {
            var request =
                    lastStep(site, SecAggStep.KindCase.CONSISTENCY_REQUEST).getConsistencyRequest();
            send(
                    site,
                    SecAggStep.newBuilder()
                            .setConsistencySignature(SecAggWire.signature(clients.get(site)
                                    .checkConsistency(SecAggWire.consistencyRequest(nonce, request)))));
        }
    }

    void unmask(String... sites) {
        for (String site : sites) {
            var request = lastStep(site, SecAggStep.KindCase.UNMASK_REQUEST).getUnmaskRequest();
            var client = clients.get(site);
            send(
                    site,
                    SecAggStep.newBuilder()
                            .setUnmaskResponse(SecAggWire.unmaskResponse(
                                    client.unmask(SecAggWire.unmaskRequest(nonce, client.clientIndex(), request)))));
        }
    }
}
