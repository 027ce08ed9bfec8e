package org.cohort.coordinator.round;

import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * What one accepted training upload weighed: the values it carried, its encoded payload's bytes, and
 * the bytes the same upload would have taken carrying every parameter of the model in the same
 * encoding. They differ when the study freezes layers (only the trainable part travels); the
 * transfer encoding's own saving (float16, int8) is in both, so their difference is what freezing
 * saved. Model downloads are not counted: they stay the full model.
 *
 * @param updateValues   values of the upload (the trainable part, times 2 under SCAFFOLD)
 * @param bytesReceived  bytes of its encoded payload (chunks concatenated; framing not counted)
 * @param fullModelBytes bytes of the payload had it carried every parameter
 */
public record UploadSize(long updateValues, long bytesReceived, long fullModelBytes) {

    /**
     * The size of an upload whose manifest was accepted.
     *
     * @param fullValues values a model-sized upload of the study carries (parameters × vectors)
     */
    public static UploadSize of(UpdateManifest m, long fullValues) {
        return new UploadSize(
                m.getNumParameters(),
                payloadBytes(m.getEncoding(), m.getBlockSize(), m.getNumParameters()),
                payloadBytes(m.getEncoding(), m.getBlockSize(), fullValues));
    }

    /** Bytes of {@code values} values in {@code encoding}: ring elements at their width, plain ones by their codec. */
    static long payloadBytes(TensorEncoding encoding, int blockSize, long values) {
        return switch (encoding) {
            case UINT16_RING_LE -> 2 * values;
            case UINT32_RING_LE -> 4 * values;
            default -> TransferEncoding.of(encoding, blockSize).encodedBytes(values);
        };
    }
}
