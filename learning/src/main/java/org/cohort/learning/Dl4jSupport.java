package org.cohort.learning;

/**
 * Whether this build carries Deeplearning4j. The lean agent and coordinator (module {@code lean/}) leave
 * DL4J and ND4J's native libraries out, for sites whose training runs in an external trainer such as the
 * reference PyTorch worker: they train and run studies that name a PyTorch module, and refuse a DL4J
 * model, saying so, before anything is spent. This class touches no DL4J type, so it loads in either build.
 */
public final class Dl4jSupport {
    private Dl4jSupport() {}

    /** Classes every DL4J network needs (its configuration, ND4J's arrays); looked up without initialising them. */
    private static final java.util.List<String> PROBES =
            java.util.List.of("org.deeplearning4j.nn.conf.MultiLayerConfiguration", "org.nd4j.linalg.factory.Nd4j");

    private static final boolean PRESENT = probe();

    private static boolean probe() {
        try {
            for (String name : PROBES) {
                Class.forName(name, false, Dl4jSupport.class.getClassLoader());
            }
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Whether Deeplearning4j is on this program's class path (the full build), not the lean one. */
    public static boolean present() {
        return PRESENT;
    }

    /** "the lean agent" or "the lean coordinator", with what it leaves out, for messages. */
    public static String lean(String program) {
        return "this " + program + " is the lean build without Deeplearning4j";
    }
}
