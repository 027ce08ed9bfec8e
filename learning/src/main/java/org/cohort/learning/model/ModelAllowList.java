package org.cohort.learning.model;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.nd4j.shade.jackson.core.JsonFactory;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.JsonToken;

/**
 * What a study's model configuration may contain: the layer, vertex and pre-processor types the
 * site trainer supports, and the DL4J helper types (activations, losses, weight initialisation,
 * updaters) a configuration names.
 *
 * <p>DL4J's JSON names a Java class for every polymorphic value ({@code "@class"}), and its Jackson
 * loads and initialises that class before it checks the type. A configuration comes from outside
 * (the ML team's request, or the coordinator for a site), so {@link #scan} reads the JSON as plain
 * tokens first and refuses any class name not listed here, before DL4J's parser sees it; {@link
 * #layerProblem} and {@link #vertexProblem} then check the parsed configuration itself (DL4J's
 * legacy short names, such as {@code {"dense": {...}}}, reach built-in layers without a class name).
 */
final class ModelAllowList {
    private ModelAllowList() {}

    /** Longest configuration JSON accepted (characters). */
    static final int MAX_JSON_CHARS = 1 << 20;
    /** Deepest nesting of JSON objects and arrays accepted (DL4J's own configurations stay below 10). */
    static final int MAX_DEPTH = 32;

    static final Set<Class<? extends Layer>> LAYERS = Set.of(
            DenseLayer.class,
            OutputLayer.class,
            ConvolutionLayer.class,
            SubsamplingLayer.class,
            GlobalPoolingLayer.class,
            ActivationLayer.class,
            DropoutLayer.class);
    static final Set<Class<? extends GraphVertex>> VERTICES =
            Set.of(LayerVertex.class, ElementWiseVertex.class, MergeVertex.class);
    static final Set<Class<? extends InputPreProcessor>> PRE_PROCESSORS =
            Set.of(FeedForwardToCnnPreProcessor.class, CnnToFeedForwardPreProcessor.class);

    /** Helper classes allowed by package: DL4J's built-in implementations, no sub-package. */
    private static final List<String> HELPER_PACKAGES = List.of(
            "org.nd4j.linalg.activations.impl.",
            "org.nd4j.linalg.lossfunctions.impl.",
            "org.nd4j.linalg.learning.config.",
            "org.nd4j.linalg.schedule.",
            "org.deeplearning4j.nn.weights.",
            "org.deeplearning4j.nn.conf.distribution.");

    private static final Set<String> OTHER_CLASSES = Set.of("org.deeplearning4j.nn.conf.dropout.Dropout");

    private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Z][A-Za-z0-9]*");

    /** Whether the class named in a configuration's {@code "@class"} may be loaded. */
    static boolean allowedClassName(String name) {
        if (OTHER_CLASSES.contains(name)
                || LAYERS.stream().anyMatch(c -> c.getName().equals(name))
                || VERTICES.stream().anyMatch(c -> c.getName().equals(name))
                || PRE_PROCESSORS.stream().anyMatch(c -> c.getName().equals(name))) {
            return true;
        }
        for (String p : HELPER_PACKAGES) {
            if (name.startsWith(p)
                    && SIMPLE_NAME.matcher(name.substring(p.length())).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads {@code json} as tokens only (nothing is instantiated) and throws when it is too long or
     * too deep, names a class that is not allowed, or holds a {@code ["class", {...}]} array, the
     * other form in which Jackson takes a class name. Returns the top-level field names.
     */
    static Set<String> scan(String json) {
        if (json.length() > MAX_JSON_CHARS) {
            throw new IllegalArgumentException("the model configuration is " + json.length()
                    + " characters long, above the limit of " + MAX_JSON_CHARS);
        }
        var topLevel = new java.util.HashSet<String>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            Deque<boolean[]> arrays = new ArrayDeque<>(); // per open container: {isArray, sawString, sawContainer}
            String field = null;
            JsonToken t;
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("the model configuration must be a JSON object");
            }
            arrays.push(new boolean[3]);
            while ((t = p.nextToken()) != null) {
                // A type id is one class name: an array, object or other value under "@class" is a form
                // this scan would not read, so it is refused rather than left to Jackson.
                if ("@class".equalsIgnoreCase(field) && t != JsonToken.VALUE_STRING && t != JsonToken.FIELD_NAME) {
                    throw new IllegalArgumentException(
                            "the model configuration's \"@class\" must be one class name (a string)");
                }
                switch (t) {
                    case FIELD_NAME -> {
                        field = p.currentName();
                        if (arrays.size() == 1) {
                            topLevel.add(field);
                        }
                    }
                    case START_OBJECT, START_ARRAY -> {
                        markElement(arrays, false);
                        if (arrays.size() >= MAX_DEPTH) {
                            throw new IllegalArgumentException(
                                    "the model configuration nests deeper than " + MAX_DEPTH + " levels");
                        }
                        arrays.push(new boolean[] {t == JsonToken.START_ARRAY, false, false});
                    }
                    case END_OBJECT, END_ARRAY -> arrays.pop();
                    case VALUE_STRING -> {
                        markElement(arrays, true);
                        if ("@class".equalsIgnoreCase(field) && !arrays.peek()[0] && !allowedClassName(p.getText())) {
                            throw new IllegalArgumentException("the model configuration names class '"
                                    + p.getText() + "', which is not a supported layer, vertex or DL4J built-in;"
                                    + " supported layers: " + names(LAYERS) + "; vertices: " + names(VERTICES));
                        }
                    }
                    default -> markElement(arrays, false);
                }
                if (t != JsonToken.FIELD_NAME && !arrays.isEmpty() && !arrays.peek()[0]) {
                    field = null;
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the model configuration is not valid JSON: " + e.getMessage(), e);
        }
        return topLevel;
    }

    // Inside an array, strings and nested containers never mix in a DL4J configuration; Jackson's
    // wrapper-array type form ["com.example.Class", {...}] is exactly such a mix.
    private static void markElement(Deque<boolean[]> open, boolean string) {
        boolean[] top = open.peek();
        if (top == null || !top[0]) {
            return;
        }
        if (string) {
            top[1] = true;
        }
        if (!string) {
            top[2] = true;
        }
        if (top[1] && top[2]) {
            throw new IllegalArgumentException("the model configuration has an array mixing strings with objects,"
                    + " which DL4J configurations never do (it is how a class name could be smuggled in)");
        }
    }

    /** Why {@code layer} cannot be trained here, or null. */
    static String layerProblem(String where, Layer layer) {
        if (!LAYERS.contains(layer.getClass())) {
            return where + " is a " + layer.getClass().getSimpleName() + ", which the site trainer does not support"
                    + " (supported: " + names(LAYERS) + ")";
        }
        if (layer instanceof BaseLayer base && base.getWeightNoise() != null) {
            return where + " has weight noise, which the site trainer does not support";
        }
        return null;
    }

    /** Why graph vertex {@code vertex} cannot be trained here, or null. */
    static String vertexProblem(String where, GraphVertex vertex) {
        if (!VERTICES.contains(vertex.getClass())) {
            return where + " is a " + vertex.getClass().getSimpleName() + ", which the site trainer does not support"
                    + " (supported vertices: " + names(VERTICES) + ")";
        }
        if (vertex instanceof LayerVertex lv && lv.getPreProcessor() != null) {
            return preProcessorProblem(where, lv.getPreProcessor());
        }
        return null;
    }

    static String preProcessorProblem(String where, InputPreProcessor p) {
        return PRE_PROCESSORS.contains(p.getClass())
                ? null
                : where + " has input pre-processor " + p.getClass().getSimpleName() + ", which is not supported"
                        + " (supported: " + names(PRE_PROCESSORS) + ")";
    }

    private static String names(Set<? extends Class<?>> classes) {
        return classes.stream().map(Class::getSimpleName).sorted().toList().toString();
    }
}
