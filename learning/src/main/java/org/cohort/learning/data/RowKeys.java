package org.cohort.learning.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What identifies each row of a table for the train/test split: its patient id, when the study
 * names an id column, else its own content. Either way a row's key depends on that row alone,
 * never on its neighbours or its position in the file.
 */
public sealed interface RowKeys permits RowKeys.Content, RowKeys.PatientIds {

    /** Keys from each row's encoded features and label (no id column). */
    static RowKeys content() {
        return Content.INSTANCE;
    }

    /** Keys from a patient id per row, aligned with the dataset's rows. */
    static RowKeys patientIds(List<String> ids) {
        return new PatientIds(ids);
    }

    /** The key of row {@code row} of {@code data}, tagged by kind so an id never equals a content key. */
    byte[] key(TabularDataset data, int row);

    /** The keys of the same table without row {@code row}, for a neighbouring table. */
    RowKeys without(int row);

    /**
     * The keys of the same table with one row appended, for a neighbouring table; {@code id} is
     * the new row's patient id where rows have ids (content keys need none).
     */
    RowKeys withAppended(String id);

    /**
     * Content keys: the row's label and encoded features, bit for bit. Two identical rows share a
     * key and a side, which is what a row-level guarantee needs: neither moves when the other
     * leaves. The encoding is the loader's (declared scaling applied, locally standardised columns
     * raw), so a row's key does not depend on the other rows either.
     */
    enum Content implements RowKeys {
        INSTANCE;

        @Override
        public byte[] key(TabularDataset data, int row) {
            float[] features = data.features()[row];
            ByteBuffer buffer = ByteBuffer.allocate(1 + Integer.BYTES * (1 + features.length));
            buffer.put((byte) 'c').putInt(data.labels()[row]);
            for (float value : features) {
                buffer.putInt(Float.floatToIntBits(value + 0.0f)); // + 0.0f: -0.0 and 0.0 are one value
            }
            return buffer.array();
        }

        @Override
        public RowKeys without(int row) {
            return this;
        }

        @Override
        public RowKeys withAppended(String id) {
            return this;
        }
    }

    /**
     * Patient-id keys: all rows of one patient share a side, so the split (and the guarantee) is
     * per patient even where a patient has several rows.
     */
    record PatientIds(List<String> ids) implements RowKeys {
        public PatientIds {
            ids = List.copyOf(Objects.requireNonNull(ids, "ids"));
        }

        @Override
        public byte[] key(TabularDataset data, int row) {
            if (ids.size() != data.size()) {
                throw new IllegalArgumentException(ids.size() + " patient ids for " + data.size()
                        + " rows; the ids must come from the same load as the rows");
            }
            byte[] id = ids.get(row).getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(1 + id.length).put((byte) 'p').put(id).array();
        }

        @Override
        public RowKeys without(int row) {
            var kept = new ArrayList<>(ids);
            kept.remove(row);
            return new PatientIds(kept);
        }

        @Override
        public RowKeys withAppended(String id) {
            var longer = new ArrayList<>(ids);
            longer.add(Objects.requireNonNull(id, "id"));
            return new PatientIds(longer);
        }
    }
}
