package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A site's SCAFFOLD c_i: zeros at first, kept owner-only, never misread. */
class ControlVariateStoreTest {
    @Test
    void startsAtZeroAndKeepsWhatWasSavedOwnerOnly(@TempDir Path work) throws Exception {
        var store = new ControlVariateStore(work);
        assertThat(store.load("st-1", 3)).containsExactly(0f, 0f, 0f);
        store.save("st-1", new float[] {0.5f, -1.25f, 3f});
        assertThat(new ControlVariateStore(work).load("st-1", 3)).containsExactly(0.5f, -1.25f, 3f);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file("st-1"))))
                .isEqualTo("rw-------");
        assertThat(store.load("st-2", 2)).as("another study's c_i").containsExactly(0f, 0f);
        store.save("st-1", new float[] {1f, 2f, 3f});
        assertThat(store.load("st-1", 3)).containsExactly(1f, 2f, 3f);
    }

    @Test
    void refusesAFileOfAnotherModelSizeADamagedOneAndAnIdThatCannotNameAFile(@TempDir Path work) throws Exception {
        var store = new ControlVariateStore(work);
        store.save("st-1", new float[4]);
        assertThatThrownBy(() -> store.load("st-1", 5)).hasMessageContaining("holds 4 values", "has 5");
        Files.write(store.file("st-1"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> store.load("st-1", 4)).hasMessageContaining("damaged", "delete it");
        assertThatThrownBy(() -> store.file("../x")).hasMessageContaining("cannot name");
    }
}
