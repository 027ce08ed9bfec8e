package org.cohort.learning.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.global.hdf5;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

/**
 * Walks a Keras file's weights before DL4J's importer reads any of them. The importer sizes its
 * buffer as {@code (int) (rows * columns)} and lets HDF5 fill the dataset's whole declared extent:
 * a hostile file declaring a 65536 × 65537 dataset (nothing stored, a few bytes of header) wraps
 * that to a small buffer and HDF5 writes gigabytes past it, corrupting the coordinator's native
 * heap. So every dataset under {@code model_weights} must have an extent whose size fits an int
 * and the file, stored in full (allocated, uncompressed): then what HDF5 writes is what the
 * importer allocated. The walk itself reads only metadata.
 */
final class KerasWeightsCheck {
    static final int MAX_DEPTH = 8;
    static final long MAX_OBJECTS = 10_000;

    private KerasWeightsCheck() {}

    static void check(Path file) {
        long fileBytes;
        try {
            fileBytes = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // HDF5 is not thread-safe; DL4J's importer serialises on this lock too.
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (var h5 = new H5File(file.toString(), hdf5.H5F_ACC_RDONLY());
                    var weights = h5.openGroup("model_weights")) {
                walk(weights, "model_weights", fileBytes, 0, new long[1]);
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "the Keras file's weights cannot be read: " + ModelSpec.rootMessage(e), e);
            }
        }
    }

    private static void walk(Group group, String path, long fileBytes, int depth, long[] seen) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("the Keras file's weights are nested deeper than " + MAX_DEPTH
                    + " groups at " + path + "; this is not a file Keras writes");
        }
        long count = group.getNumObjs();
        seen[0] += count;
        if (seen[0] > MAX_OBJECTS) {
            throw new IllegalArgumentException("the Keras file has more than " + MAX_OBJECTS + " weight objects");
        }
        for (long i = 0; i < count; i++) {
            String name;
            try (var bytes = group.getObjnameByIdx(i)) {
                name = bytes.getString();
            }
            int type = group.childObjType(name);
            if (type == hdf5.H5O_TYPE_GROUP) {
                try (var child = group.openGroup(name)) {
                    walk(child, path + "/" + name, fileBytes, depth + 1, seen);
                }
            } else if (type == hdf5.H5O_TYPE_DATASET) {
                try (DataSet dataset = group.openDataSet(name)) {
                    checkDataset(dataset, path + "/" + name, fileBytes);
                }
            }
        }
    }

    private static void checkDataset(DataSet dataset, String path, long fileBytes) {
        long[] dims;
        long elementBytes;
        try (DataSpace space = dataset.getSpace();
                var type = dataset.asAbstractDs().getDataType()) {
            int rank = space.getSimpleExtentNdims();
            if (rank < 0 || rank > 5) {
                throw new IllegalArgumentException(
                        "weights " + path + " have " + rank + " dimensions; Keras layers have at most 5");
            }
            dims = new long[rank];
            space.getSimpleExtentDims(dims);
            elementBytes = type.getSize();
        }
        long bytes;
        try {
            long elements = 1;
            for (long d : dims) {
                elements = Math.multiplyExact(elements, d);
            }
            if (elements > Integer.MAX_VALUE) {
                throw new ArithmeticException("more values than an array holds");
            }
            bytes = Math.multiplyExact(elements, elementBytes);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "weights " + path + " declare a size of " + java.util.Arrays.toString(dims)
                            + " values, beyond what any model here can hold; the file is not one Keras wrote");
        }
        if (bytes > fileBytes || dataset.getStorageSize() != bytes) {
            throw new IllegalArgumentException("weights " + path + " (" + java.util.Arrays.toString(dims)
                    + ") are not stored in full in the file (" + dataset.getStorageSize() + " of " + bytes
                    + " bytes stored): save the model uncompressed with model.save(\"model.h5\")");
        }
    }
}
