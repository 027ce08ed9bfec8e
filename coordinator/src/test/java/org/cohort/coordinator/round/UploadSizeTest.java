package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;

/** An upload's size and its full-model counterpart are the payload bytes of each encoding. */
class UploadSizeTest {

    private static UpdateManifest manifest(TensorEncoding encoding, int blockSize, long values) {
        return UpdateManifest.newBuilder()
                .setEncoding(encoding)
                .setBlockSize(blockSize)
                .setNumParameters(values)
                .build();
    }

    @Test
    void theFrozenHeartMlpSendsItsOutputLayerOnly() {
        var size = UploadSize.of(manifest(TensorEncoding.FLOAT32_LE, 0, 34), 290);
        assertThat(size).isEqualTo(new UploadSize(34, 136, 1160));
    }

    @Test
    void maskedUploadsCountRingElementsAtTheirWidth() {
        assertThat(UploadSize.of(manifest(TensorEncoding.UINT32_RING_LE, 0, 34), 290))
                .isEqualTo(new UploadSize(34, 136, 1160));
        assertThat(UploadSize.of(manifest(TensorEncoding.UINT16_RING_LE, 0, 34), 290))
                .isEqualTo(new UploadSize(34, 68, 580));
    }

    @Test
    void compactEncodingsSaveInBothFigures() {
        assertThat(UploadSize.of(manifest(TensorEncoding.FLOAT16_LE, 0, 34), 290))
                .isEqualTo(new UploadSize(34, 68, 580));
        // int8 blocks of 16: one byte a value plus a float32 scale per (started) block.
        assertThat(UploadSize.of(manifest(TensorEncoding.INT8_BLOCK_LE, 16, 34), 290))
                .isEqualTo(new UploadSize(34, 34 + 4 * 3, 290 + 4 * 19));
    }
}
