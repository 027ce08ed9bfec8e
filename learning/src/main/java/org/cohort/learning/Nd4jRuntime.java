package org.cohort.learning;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Configures ND4J once per JVM before this module creates its first array.
 *
 * <p>Parameters travel between sites and the coordinator as float32, so the default data type
 * is pinned to FLOAT: a network or array created with ND4J's defaults then has exactly the
 * layout the wire format assumes, whatever another library in the same JVM prefers.
 */
public final class Nd4jRuntime {

    private Nd4jRuntime() {}

    /**
     * Below this many multiply-adds per layer and batch (batch × parameters), ND4J's OpenMP and
     * BLAS threads cost more than they save: a 64 × 32 matrix product takes microseconds, a fork
     * and join of worker threads about as long, and on a busy machine a worker that has to wait
     * for a core makes every op wait (measured on the 482-parameter MLP at batch 64 on 2 busy cores:
     * 68 ms per epoch on one thread against 213 ms on ND4J's default two; MlpEpochBenchmark).
     */
    public static final long SINGLE_THREAD_BELOW = 1L << 20;

    /**
     * Runs ND4J on one thread while the returned handle is open if a step of {@code parameters}
     * parameters at {@code batch} rows is too small to gain from more, else changes nothing; closing
     * restores the previous settings. ND4J's thread counts are per process: callers train one
     * network at a time, as a site does.
     */
    public static Threads threadsFor(long parameters, int batch) {
        ensureInitialised();
        if (parameters * (long) batch >= SINGLE_THREAD_BELOW) {
            return () -> {};
        }
        var env = org.nd4j.linalg.factory.Nd4j.getEnvironment();
        var blas = org.nd4j.linalg.factory.Nd4j.factory().blas();
        int threads = env.maxThreads();
        int master = env.maxMasterThreads();
        int blasThreads = blas.getMaxThreads();
        env.setMaxThreads(1);
        env.setMaxMasterThreads(1);
        blas.setMaxThreads(1);
        return () -> {
            env.setMaxThreads(threads);
            env.setMaxMasterThreads(master);
            blas.setMaxThreads(blasThreads);
        };
    }

    /** ND4J's thread settings for a while; {@link #close()} restores what they were. */
    public interface Threads extends AutoCloseable {
        @Override
        void close();
    }

    /** Idempotent and cheap after the first call; every public entry point of this module calls it. */
    public static void ensureInitialised() {
        Holder.touch();
    }

    // The holder idiom gives thread-safe, exactly-once initialisation without locking on every call.
    private static final class Holder {
        static {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }

        static void touch() {}
    }
}
