package org.cohort.coordinator.round;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.coordinator.aggregation.MappedWeightedSum;
import org.cohort.coordinator.aggregation.SumFilePool;
import org.cohort.coordinator.aggregation.WeightedSum;

/**
 * One replica's running sum of a round's uploads, whatever holds it: a weighted float64 sum on the
 * heap or in a file (plain rounds), or a sum modulo 2^32 of masked inputs (secure
 * rounds). {@link PartialSums} keeps one per round and never needs to know which.
 */
sealed interface RunningSum extends AutoCloseable permits RunningSum.Weighted, RunningSum.Ring, RunningSum.Held {

    /** Adds one verified spooled upload of {@code length} values with {@code weight}; deletes the spool file. */
    void add(long weight, Path spool, long length);

    /** Frees what the sum holds (a mapped sum's file); nothing for the others. */
    @Override
    default void close() {}

    /** Most parameters a heap sum holds: a Java array's limit. */
    long MAX_HEAP_PARAMETERS = Integer.MAX_VALUE - 8;

    /** The heap bytes a sum of {@code numParameters} takes: 8 per parameter. */
    static long heapBytes(long numParameters) {
        return numParameters > MAX_HEAP_PARAMETERS ? Long.MAX_VALUE : numParameters * Double.BYTES;
    }

    /**
     * A plain round's sum: on the heap if its {@code 8 × numParameters} bytes fit {@code heapBudget},
     * else in a new file under {@code dir} (deleted on close).
     */
    static Weighted weighted(long numParameters, long heapBudget, Path dir) {
        if (heapBytes(numParameters) <= heapBudget) {
            return new Heap(new WeightedSum((int) numParameters));
        }
        try {
            Files.createDirectories(dir);
            return new Mapped(new MappedWeightedSum(dir, numParameters));
        } catch (IOException e) {
            throw cannotCreate(numParameters, dir, e);
        }
    }

    /** A plain round's sum in a file of {@code pool} (one an earlier round left there, when it can). */
    static Weighted inFile(long numParameters, SumFilePool pool) {
        try {
            return new Mapped(new MappedWeightedSum(pool, numParameters));
        } catch (IOException e) {
            throw cannotCreate(numParameters, pool.directory(), e);
        }
    }

    private static UncheckedIOException cannotCreate(long numParameters, Path dir, IOException e) {
        return new UncheckedIOException(
                "cannot create a partial sum of " + numParameters + " parameters under " + dir + ": " + e.getMessage(),
                e);
    }

    /** A secure round's masked sum, modulo 2^32. */
    static Ring ring(int numParameters) {
        return new Ring(new int[numParameters]);
    }

    /** A weighted float64 sum: what the driver merges chunk by chunk. */
    sealed interface Weighted extends RunningSum permits Heap, Mapped {
        /** Values [offset, offset + count) of the sum. */
        double[] slice(long offset, int count);

        /** Adds values [offset, offset + count) of the sum to {@code into[0..count)}. */
        void addTo(long offset, double[] into, int count);
    }

    /** On the heap: ordinary models. */
    record Heap(WeightedSum sum) implements Weighted {
        @Override
        public void add(long weight, Path spool, long length) {
            float[] values = new float[SpooledValues.BLOCK_VALUES];
            SpooledValues.read(spool, length, (offset, buf, count) -> {
                buf.asFloatBuffer().get(values, 0, count);
                sum.addChunk(weight, offset, values, count);
            });
            sum.completeContribution(weight);
        }

        @Override
        public double[] slice(long offset, int count) {
            return sum.slice(offset, count);
        }

        @Override
        public void addTo(long offset, double[] into, int count) {
            sum.addSumTo(offset, into, count);
        }
    }

    /** In a file: models too large for the heap budget. The verified spool is folded in one pass. */
    record Mapped(MappedWeightedSum sum) implements Weighted {
        @Override
        public void add(long weight, Path spool, long length) {
            try {
                sum.addSpooledUpdate(weight, spool);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                SpooledValues.delete(spool);
            }
        }

        @Override
        public double[] slice(long offset, int count) {
            try {
                double[] out = new double[count];
                sum.readSum(offset, out, count);
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void addTo(long offset, double[] into, int count) {
            try {
                sum.addSumTo(offset, into, count);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                sum.close();
            } catch (IOException ignored) {
                // the file is scratch; a leftover is removed with the data dir's partial-sums folder
            }
        }
    }

    /** Masked inputs of secure aggregation, summed modulo 2^32 (int overflow is that addition); weights are 1. */
    record Ring(int[] values) implements RunningSum {
        @Override
        public void add(long weight, Path spool, long length) {
            SpooledValues.read(spool, length, (offset, buf, count) -> {
                for (int i = 0; i < count; i++) {
                    values[(int) offset + i] += buf.getInt();
                }
            });
        }

        /** Ring elements [offset, offset + count). */
        int[] slice(int offset, int count) {
            return java.util.Arrays.copyOfRange(values, offset, offset + count);
        }
    }

    /**
     * A robust strategy's round: every accepted upload kept whole, as the file it was spooled to
     * (moved under the replica's partial-sums directory), so the driver can read the same chunk of
     * each update. The files go when the round is forgotten.
     */
    record Held(Path dir, java.util.Map<String, Path> files) implements RunningSum {
        static Held in(Path dir) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + dir + " for the round's updates", e);
            }
            return new Held(dir, new java.util.concurrent.ConcurrentHashMap<>());
        }

        @Override
        public void add(long weight, Path spool, long length) {
            throw new IllegalStateException("a robust round keeps each update by site; use keep");
        }

        /** Keeps the site's verified spooled update of {@code length} values (the spool file is moved). */
        void keep(String siteId, Path spool, long length) {
            try {
                if (Files.size(spool) != length * Float.BYTES) {
                    throw new IOException("spool file " + spool + " holds " + Files.size(spool) + " bytes, not "
                            + length * Float.BYTES);
                }
                Path kept = Files.createTempFile(dir, "update-", ".f32");
                Files.move(spool, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                files.put(siteId, kept);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep the update of site " + siteId + ": " + e.getMessage(), e);
            }
        }

        /** Values [offset, offset + count) of the site's update. */
        float[] slice(String siteId, long offset, int count) {
            Path file = files.get(siteId);
            if (file == null) {
                throw new IllegalStateException("no update of site " + siteId + " is held here");
            }
            try {
                return org.cohort.coordinator.registry.ModelFiles.read(file, offset, count);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the held update of site " + siteId, e);
            }
        }

        @Override
        public void close() {
            for (Path f : files.values()) {
                SpooledValues.delete(f);
            }
            files.clear();
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // not empty or not deletable: removed with the partial-sums folder when the replica starts
            }
        }
    }
}
