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
