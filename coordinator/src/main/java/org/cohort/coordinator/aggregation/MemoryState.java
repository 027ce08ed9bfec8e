package org.cohort.coordinator.aggregation;

/**
 * A stateful strategy's {@link Strategy.State} held in memory, for models that fit the heap
 * (the simulation, tests): {@link #advance()} makes the state just written the one the next round reads.
 */
public final class MemoryState implements Strategy.State {
    private float[][] current;
    private final float[][] next;

    public MemoryState(int vectors, int numParameters) {
        this.current = new float[vectors][numParameters];
        this.next = new float[vectors][numParameters];
    }

    @Override
    public float[][] read(long offset, int count) {
        float[][] out = new float[current.length][];
        for (int k = 0; k < current.length; k++) {
            out[k] = java.util.Arrays.copyOfRange(current[k], (int) offset, (int) offset + count);
        }
        return out;
    }

    @Override
    public void write(long offset, float[][] values) {
        for (int k = 0; k < next.length; k++) {
            System.arraycopy(values[k], 0, next[k], (int) offset, values[k].length);
        }
    }

    /** The state written this round becomes the one the next round reads. */
    public MemoryState advance() {
        for (int k = 0; k < next.length; k++) {
            current[k] = next[k].clone();
        }
        return this;
    }

    /** A copy of vector {@code k} of the current state. */
    public float[] vector(int k) {
        return current[k].clone();
    }
}
