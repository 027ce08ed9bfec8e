package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.cohort.learning.data.RowKeys;
import org.cohort.learning.data.SplitKey;
import org.cohort.learning.data.SplitRule;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.data.TrainTestSplit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitSecretFileTest {

    @TempDir
    Path dir;

    @Test
    void createsAnOwnerOnlySecretOnceAndKeepsIt() throws Exception {
        SplitKey first = SplitSecretFile.loadOrCreate(dir.resolve("work"));
        Path file = dir.resolve("work").resolve(SplitSecretFile.FILE_NAME);
        byte[] written = Files.readAllBytes(file);

        SplitKey again = SplitSecretFile.loadOrCreate(dir.resolve("work"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(written).hasSize(SplitKey.SECRET_BYTES);
        assertThat(Files.readAllBytes(file)).isEqualTo(written);
        assertThat(testRows(again)).isEqualTo(testRows(first)); // a restarted agent holds out the same patients
        assertThat(testRows(SplitSecretFile.loadOrCreate(dir.resolve("other-site"))))
                .isNotEqualTo(testRows(first));
        try (var listing = Files.list(dir.resolve("work"))) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly(SplitSecretFile.FILE_NAME);
        }
    }

    @Test
    void refusesASecretOthersCanRead() throws Exception {
        SplitSecretFile.loadOrCreate(dir);
        Path file = dir.resolve(SplitSecretFile.FILE_NAME);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> SplitSecretFile.loadOrCreate(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chmod 600 " + file);
    }

    @Test
    void refusesADamagedSecret() throws Exception {
        Path file = dir.resolve(SplitSecretFile.FILE_NAME);
        Files.write(file, new byte[5]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> SplitSecretFile.loadOrCreate(dir)).hasMessageContaining("has 5 bytes");
    }

    private static List<Integer> testRows(SplitKey key) {
        float[][] x = new float[200][];
        int[] y = new int[200];
        for (int i = 0; i < x.length; i++) {
            x[i] = new float[] {i};
            y[i] = i % 2;
        }
        var split =
                TrainTestSplit.split(new TabularDataset(x, y, 2), RowKeys.content(), new SplitRule.Keyed(key, 0.25, 1));
        return Arrays.stream(split.test().features()).map(r -> (int) r[0]).toList();
    }
}
