package org.cohort.learning.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Which parameters of a supplied model stay fixed (transfer learning): layers named by their name
 * (a graph's vertex name, a layer's {@code layerName}) or by index in the model's layer order are
 * frozen, and this resolves them to the positions they occupy in the flat parameter vector, so that
 * what is trained, clipped, noised and sent can be the trainable positions alone ({@link #slice})
 * and the full model rebuilt from them ({@link #scatter}).
 *
 * <p>Positions come from a built network, in DL4J's own flattening order (a MultiLayerNetwork's
 * layers in order; a ComputationGraph's vertices in topological order), each layer's parameters
 * one contiguous run.
 *
 * @param frozenLayers the frozen layers' names (index-named layers as their index), in model order
 * @param trainable    the trainable positions as [from, to) runs, ascending, never adjacent
 * @param total        the full vector's length
 */
public record FrozenLayers(List<String> frozenLayers, List<long[]> trainable, long total) {
    public FrozenLayers {
        frozenLayers = List.copyOf(frozenLayers);
        trainable = trainable.stream().map(long[]::clone).toList();
    }

    /** Parameters that are trained (and travel). */
    public long trainableCount() {
        return trainable.stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    /** Parameters that keep the supplied model's values. */
    public long frozenCount() {
        return total - trainableCount();
    }

    /**
     * Resolves {@code selectors} (layer names or decimal indices) on {@code spec}'s model, or throws
     * IllegalArgumentException naming the selector and listing the layers there are: an unknown
     * name, an index out of range, the same layer twice, a layer without parameters, or every
     * parameter frozen (nothing left to train).
     */
    public static FrozenLayers resolve(ModelSpec spec, List<String> selectors) {
        Objects.requireNonNull(selectors, "selectors");
        Map<String, long[]> layers = layerRuns(spec.build());
        List<String> names = List.copyOf(layers.keySet());
        var frozen = new LinkedHashMap<String, long[]>();
        for (String selector : selectors) {
            String name = nameOf(selector, names);
            long[] run = layers.get(name);
            if (run[1] == run[0]) {
                throw new IllegalArgumentException("frozen layer '" + selector + "' (" + name + ") has no parameters"
                        + " to freeze; name a layer with weights, one of " + withParameters(layers));
            }
            if (frozen.put(name, run) != null) {
                throw new IllegalArgumentException("frozen layer '" + selector + "' names layer " + name
                        + ", which is already listed; name each layer once");
            }
        }
        long total = spec.parameterCount();
        var trainable = new ArrayList<long[]>();
        long at = 0;
        for (var layer : layers.entrySet()) {
            long[] run = layer.getValue();
            if (frozen.containsKey(layer.getKey()) || run[1] == run[0]) {
                continue;
            }
            if (!trainable.isEmpty() && trainable.get(trainable.size() - 1)[1] == run[0]) {
                trainable.get(trainable.size() - 1)[1] = run[1];
            } else {
                trainable.add(new long[] {run[0], run[1]});
            }
            at += run[1] - run[0];
        }
        if (at == 0) {
            throw new IllegalArgumentException("every layer with parameters is frozen (" + frozen.keySet()
                    + "), so there is nothing to train; leave at least the output layer trainable");
        }
        List<String> ordered = names.stream().filter(frozen::containsKey).toList();
        return new FrozenLayers(ordered, trainable, total);
    }

    /** The trainable positions of {@code full}, in order: the vector that is trained and sent. */
    public float[] slice(float[] full) {
        checkLength(full);
        float[] out = new float[Math.toIntExact(trainableCount())];
        int at = 0;
        for (long[] r : trainable) {
            int n = (int) (r[1] - r[0]);
            System.arraycopy(full, (int) r[0], out, at, n);
            at += n;
        }
        return out;
    }

    /** {@code base} with its trainable positions replaced by {@code trainableValues}; frozen positions untouched. */
    public float[] scatter(float[] base, float[] trainableValues) {
        checkLength(base);
        if (trainableValues.length != trainableCount()) {
            throw new IllegalArgumentException("the trainable vector has " + trainableValues.length
                    + " values, the model " + trainableCount() + " trainable parameters");
        }
        float[] out = base.clone();
        int at = 0;
        for (long[] r : trainable) {
            int n = (int) (r[1] - r[0]);
            System.arraycopy(trainableValues, at, out, (int) r[0], n);
            at += n;
        }
        return out;
    }

    /**
     * Whether the parameters [{@code from}, {@code to}) of one layer train: true inside a trainable
     * run, false outside every one. A range across a run's border is not one layer's and is refused.
     */
    public boolean trains(long from, long to) {
        for (long[] r : trainable) {
            if (from >= r[0] && to <= r[1]) {
                return true;
            }
            if (from < r[1] && to > r[0]) {
                throw new IllegalArgumentException("parameters [" + from + ", " + to + ") straddle the trainable run ["
                        + r[0] + ", " + r[1] + "); a layer is frozen or trainable as a whole");
            }
        }
        return false;
    }

    /** The frozen positions as [from, to) runs, ascending: the complement of {@link #trainable()}. */
    public List<long[]> frozen() {
        var runs = new ArrayList<long[]>();
        long at = 0;
        for (long[] r : trainable) {
            if (r[0] > at) {
                runs.add(new long[] {at, r[0]});
            }
            at = r[1];
        }
        if (at < total) {
            runs.add(new long[] {at, total});
        }
        return runs;
    }

    /** Sets the frozen positions of {@code full} to zero (a gradient whose frozen part must not move anything). */
    public void zeroFrozen(float[] full) {
        checkLength(full);
        for (long[] r : frozen()) {
            java.util.Arrays.fill(full, (int) r[0], (int) r[1], 0f);
        }
    }

    private void checkLength(float[] full) {
        if (full.length != total) {
            throw new IllegalArgumentException(
                    "the parameter vector has " + full.length + " values, the model " + total);
        }
    }

    private static String nameOf(String selector, List<String> names) {
        if (selector != null && selector.matches("\\d{1,9}")) {
            int index = Integer.parseInt(selector);
            if (index >= names.size()) {
                throw new IllegalArgumentException("frozen layer index " + index + " is out of range: the model has "
                        + names.size() + " layers (0 to " + (names.size() - 1) + "): " + names);
            }
            return names.get(index);
        }
        if (selector == null || !names.contains(selector)) {
            throw new IllegalArgumentException("frozen layer '" + selector + "' is not a layer of the model; its"
                    + " layers, by name (or index from 0): " + names);
        }
        return selector;
    }

    private static List<String> withParameters(Map<String, long[]> layers) {
        return layers.entrySet().stream()
                .filter(e -> e.getValue()[1] > e.getValue()[0])
                .map(Map.Entry::getKey)
                .toList();
    }

    // Each layer's [from, to) run in the flat vector, by name, in flattening order.
    private static Map<String, long[]> layerRuns(Network net) {
        var runs = new LinkedHashMap<String, long[]>();
        long at = 0;
        if (net.multiLayer().isPresent()) {
            MultiLayerNetwork m = net.multiLayer().get();
            for (int i = 0; i < m.getnLayers(); i++) {
                String name = m.getLayer(i).conf().getLayer().getLayerName();
                String key = name == null || name.isBlank() || runs.containsKey(name) ? String.valueOf(i) : name;
                long n = m.getLayer(i).numParams();
                runs.put(key, new long[] {at, at + n});
                at += n;
            }
        } else {
            ComputationGraph g = net.graph().orElseThrow();
            for (int index : g.topologicalSortOrder()) {
                GraphVertex v = g.getVertices()[index];
                if (v.hasLayer()) {
                    long n = v.getLayer().numParams();
                    runs.put(v.getVertexName(), new long[] {at, at + n});
                    at += n;
                }
            }
        }
        return runs;
    }
}
