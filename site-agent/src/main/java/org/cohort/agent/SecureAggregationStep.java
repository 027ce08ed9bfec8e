package org.cohort.agent;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import java.security.MessageDigest;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.cohort.crypto.secagg.RingQuantizer;
import org.cohort.crypto.secagg.SecAggClient;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.crypto.secagg.wire.SecAggWire;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.crypto.signature.UpdateSigner;
import org.cohort.privacy.noise.KeystreamNoiseSource;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SecAggStep;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UploadReceipt;

/**
 * This site's part of a secure-aggregation round, after local training: advertise keys, share
 * them with its neighbours, upload its update quantized into Z(2^32) (and, under site-level DP,
 * noised with its share of the distributed discrete Gaussian) and masked, confirm the
 * survivor set and reveal the shares the coordinator may have — the SecAggClient refuses to
 * reveal both shares of any one site. The coordinator never sees the update itself.
 */
final class SecureAggregationStep {
    /** Longest wait for the coordinator's next message in one stage. */
    static final long STAGE_WAIT_SECONDS = 300;

    /** A message for this task, or a marker that the round ended (cancelled or superseded). */
    record Inbound(SecAggStep step, String endedRound) {}

    private final UpdateSigner signer;
    private final BlockingQueue<Inbound> inbox;
    private final Consumer<SecAggStep> send;
    /** Told the masked input's manifest before it is uploaded: what the coordinator will charge if the sum is unmasked. */
    private final Consumer<UpdateManifest> beforeMaskedUpload;

    SecureAggregationStep(
            UpdateSigner signer,
            BlockingQueue<Inbound> inbox,
            Consumer<SecAggStep> send,
            Consumer<UpdateManifest> beforeMaskedUpload) {
        this.signer = signer;
        this.inbox = inbox;
        this.send = send;
        this.beforeMaskedUpload = beforeMaskedUpload;
    }

    UploadReceipt run(Channel channel, RoundTask task, UpdateManifest plainManifest, float[] delta) {
        var plan = task.getSecagg();
        byte[] nonce = task.getNonce().toByteArray();
        var parameters =
                new SecAggParameters(plan.getSitesByIndexCount(), plan.getThreshold(), plan.getDegree(), nonce);
        var client = new SecAggClient(
                parameters,
                plan.getClientIndex(),
                signer,
                i -> i >= 0 && i < plan.getSigningKeysByIndexCount()
                        ? SignatureVerifier.ed25519(
                                plan.getSigningKeysByIndex(i).toByteArray())
                        : null);
        String round = task.getRoundId();

        send.accept(SecAggStep.newBuilder()
                .setRoundId(round)
                .setKeys(SecAggWire.keys(client.advertiseKeys()))
                .build());
        var roster = await(round, SecAggStep.KindCase.ROSTER).getRoster();
        var myShares = client.shareKeys(SecAggWire.keys(nonce, roster.getKeysList()));
        send.accept(SecAggStep.newBuilder()
                .setRoundId(round)
                .setShares(SecAggWire.shares(myShares))
                .build());

        var forMe = await(round, SecAggStep.KindCase.SHARES).getShares();
        int[] masked = client.maskInput(SecAggWire.shares(nonce, forMe), ringInput(task, delta))
                .values();
        boolean narrow = narrowRing(task);
        UpdateManifest maskedManifest = plainManifest.toBuilder()
                .setNumParameters(masked.length)
                .setEncoding(narrow ? TensorEncoding.UINT16_RING_LE : TensorEncoding.UINT32_RING_LE)
                .clearBlockSize()
                .setPayloadSha256(ByteString.copyFrom(digest(masked, narrow)))
                .build();
        beforeMaskedUpload.accept(maskedManifest);
        byte[] manifest = maskedManifest.toByteArray();
        UploadReceipt receipt = UpdateUploader.sendRing(channel, manifest, signer.sign(manifest), masked, narrow);

        var consistency = await(round, SecAggStep.KindCase.CONSISTENCY_REQUEST).getConsistencyRequest();
        send.accept(SecAggStep.newBuilder()
                .setRoundId(round)
                .setConsistencySignature(SecAggWire.signature(
                        client.checkConsistency(SecAggWire.consistencyRequest(nonce, consistency))))
                .build());
        var unmask = await(round, SecAggStep.KindCase.UNMASK_REQUEST).getUnmaskRequest();
        send.accept(SecAggStep.newBuilder()
                .setRoundId(round)
                .setUnmaskResponse(SecAggWire.unmaskResponse(
                        client.unmask(SecAggWire.unmaskRequest(nonce, plan.getClientIndex(), unmask))))
                .build());
        return receipt;
    }

    /**
     * What this site masks: under site-level DP its update noised with its share of the distributed
     * discrete Gaussian ({@link SiteLevelNoise}), so its masked input is noised even if unmasked
     * alone; otherwise the update quantized into Z(2^32).
     */
    static int[] ringInput(RoundTask task, float[] delta) {
        if (SiteLevelNoise.applies(task)) {
            return SiteLevelNoise.ringInput(task, delta, KeystreamNoiseSource.create());
        }
        var plan = task.getSecagg();
        double[] values = new double[delta.length];
        for (int i = 0; i < delta.length; i++) {
            values[i] = delta[i];
        }
        return new RingQuantizer(
                        plan.getSitesByIndexCount(),
                        plan.getClipRange(),
                        narrowRing(task) ? RingQuantizer.NARROW_RING_BITS : RingQuantizer.RING_BITS)
                .quantize(values);
    }

    /**
     * Whether the round runs in Z(2^16): the quantizer then keeps |Σ q| &lt; 2^15 for the roster's n sites,
     * and only the low 16 bits of each Z(2^32) masked value are sent (reduction mod 2^16 keeps masks
     * uniform and sums exact). Never with site-level DP, whose noise is planned for 32 bits.
     */
    static boolean narrowRing(RoundTask task) {
        return task.getSecagg().getRingBits() == RingQuantizer.NARROW_RING_BITS && !SiteLevelNoise.applies(task);
    }

    private SecAggStep await(String round, SecAggStep.KindCase kind) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(STAGE_WAIT_SECONDS);
        while (true) {
            long left = until - System.nanoTime();
            Inbound next;
            try {
                next = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + kind);
            }
            if (next == null) {
                throw new IllegalStateException(
                        "no " + kind + " from the coordinator within " + STAGE_WAIT_SECONDS + " s");
            }
            if (round.equals(next.endedRound())) {
                throw new IllegalStateException("the coordinator ended round " + round + " during secure aggregation");
            }
            if (next.step() != null && next.step().getRoundId().equals(round)) {
                if (next.step().getKindCase() != kind) {
                    throw new IllegalStateException("expected " + kind + " but the coordinator sent "
                            + next.step().getKindCase());
                }
                return next.step();
            }
            // messages of other rounds are stale: drop them
        }
    }

    static byte[] digest(int[] values) {
        return digest(values, false);
    }

    /** SHA-256 of the masked input as it travels: 4-byte ring elements, or their low 2 bytes in the narrow ring. */
    static byte[] digest(int[] values, boolean narrow) {
        MessageDigest sha = ModelDownloader.sha256();
        for (int off = 0; off < values.length; off += ProtocolLimits.CHUNK_VALUES) {
            sha.update(UpdateUploader.encodeInts(
                    values, off, Math.min(ProtocolLimits.CHUNK_VALUES, values.length - off), narrow));
        }
        return sha.digest();
    }
}
