package org.cohort.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;

/**
 * The privacy terms of a study, as a site's admin reviews and pins them when accepting it, in the
 * one canonical form that the coordinator publishes and every agent recomputes from each task's
 * {@link PrivacyPlan}. A site that pinned a study's digest refuses any task whose terms differ, so
 * the coordinator cannot switch a site's DP off, weaken its noise or raise its budget.
 *
 * <p>Canonical form: a JSON object on one line, no spaces, keys in the order of
 * {@link #FIELDS} (alphabetical); strings in double quotes with every character outside
 * {@code [A-Za-z0-9 ./_-]} as a {@code \\uXXXX} escape; booleans {@code true}/{@code false};
 * integers in decimal; other numbers as Java's {@link Double#toString(double)} writes them
 * (shortest round-tripping form, e.g. {@code 1.0E-5}; −0.0 as {@code 0.0}; NaN and ±∞, which no
 * valid study has, as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}). The
 * digest is {@code "sha256:"} and lower-case hex of SHA-256 over its UTF-8 bytes. A test vector in
 * {@code StudyTermsTest} fixes both.
 *
 * @param mode              "none", "patient" or "site"
 * @param clipNorm          L2 bound C (per example or per update)
 * @param noiseMultiplier   the noise floor σ/C: a site calibrating its own noise never goes below it
 * @param expectedBatchSize patient mode: expected Poisson batch size
 * @param delta             δ of every (ε, δ) statement of the study
 * @param epsilonBudget     the study's ε budget per unit (0: none declared)
 * @param accountant        "rdp" or "pld"
 * @param calibrateAtSite   whether each site calibrates σ (≥ the floor) to its own data
 * @param studyRounds       training rounds the study runs
 * @param secureAggregation whether training updates go through secure aggregation
 * @param maxSiteExamples   the largest training size (FedAvg weight) any site may declare
 * @param evaluationNoiseMultiplier patient mode: σ of the noise on each count of the confusion matrix a
 *                          site releases in the final evaluation (0: none released)
 * @param dataset           {@code "sha256:"} and hex of SHA-256 over the task's {@link DatasetSpec} in
 *                          deterministic protobuf encoding: the columns, the label rule and the held-out
 *                          split (test fraction, split salt, id column, published test ids). Pinned so
 *                          that the coordinator can neither aim the held-out set at chosen patients nor
 *                          change what a site trains on after its admin accepted
 */
public record StudyTerms(
        String mode,
        double clipNorm,
        double noiseMultiplier,
        int expectedBatchSize,
        double delta,
        double epsilonBudget,
        String accountant,
        boolean calibrateAtSite,
        int studyRounds,
        boolean secureAggregation,
        long maxSiteExamples,
        double evaluationNoiseMultiplier,
        String dataset) {

    /** Names the form, so that a future form can never be mistaken for this one. */
    public static final String FORMAT = "cohort.v1.StudyTerms/3";
    /** The keys of the canonical form, in order. */
    public static final List<String> FIELDS = List.of(
            "accountant",
            "calibrateAtSite",
            "clipNorm",
            "dataset",
            "delta",
            "epsilonBudget",
            "evaluationNoiseMultiplier",
            "expectedBatchSize",
            "format",
            "maxSiteExamples",
            "mode",
            "noiseMultiplier",
            "secureAggregation",
            "studyRounds",
            "unit");

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9 ./_-]");
    private static final Pattern PAIR = Pattern.compile(
            "\"([A-Za-z]+)\":(\"(?:[A-Za-z0-9 ./_-]|\\\\u[0-9a-f]{4})*\"" + "|true|false|-?[0-9][0-9.E-]*)");

    public StudyTerms {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(accountant, "accountant");
        Objects.requireNonNull(dataset, "dataset");
        evaluationNoiseMultiplier += 0.0;
        // −0.0 and 0.0 are the same term; records compare doubles bit by bit.
        clipNorm += 0.0;
        noiseMultiplier += 0.0;
        delta += 0.0;
        epsilonBudget += 0.0;
    }

    /**
     * The terms a task carries: every field of its privacy plan but the site's own declared size
     * (which its agent writes), and the digest of its dataset.
     */
    public static StudyTerms of(PrivacyPlan plan, DatasetSpec dataset) {
        return new StudyTerms(
                PrivacyWords.word(plan.getMode()),
                plan.getClipNorm(),
                plan.getNoiseMultiplier(),
                plan.getExpectedBatchSize(),
                plan.getDelta(),
                plan.getEpsilonBudget(),
                PrivacyWords.word(plan.getAccountant()),
                plan.getCalibrateAtSite(),
                plan.getStudyRounds(),
                plan.getSecureAggregation(),
                plan.getMaxSiteExamples(),
                plan.getEvaluationNoiseMultiplier(),
                datasetDigest(dataset));
    }

    /** The terms of {@code task}. */
    public static StudyTerms of(RoundTask task) {
        return of(task.getPrivacy(), task.getDataset());
    }

    /**
     * {@code "sha256:"} and hex of SHA-256 over {@code dataset}'s deterministic encoding. Both sides
     * build the message with this project's generated classes, whose deterministic encoding is
     * stable (fields in number order, repeated values in their order).
     */
    public static String datasetDigest(DatasetSpec dataset) {
        try {
            var bytes = new java.io.ByteArrayOutputStream();
            var out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
            out.useDeterministicSerialization();
            dataset.writeTo(out);
            out.flush();
            return sha256(bytes.toByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("writing to memory cannot fail", e);
        }
    }

    /** Whose privacy the terms protect: a patient's, a whole site's, or no one's. */
    public String unit() {
        try {
            PrivacyMode m = PrivacyWords.mode(mode);
            return PrivacyWords.isPrivate(m) ? PrivacyWords.word(m) : "none";
        } catch (IllegalArgumentException notAMode) {
            return "none";
        }
    }

    /** Whether {@code s} has the form of a digest ("sha256:" and 64 lower-case hex digits). */
    public static boolean isDigest(String s) {
        return s != null && DIGEST.matcher(s).matches();
    }

    /** The canonical form (see the class comment). */
    public String canonicalJson() {
        var sb = new StringBuilder("{");
        fields().forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "")
                .append('"')
                .append(k)
                .append("\":")
                .append(v));
        return sb.append('}').toString();
    }

    /** "sha256:" and lower-case hex of SHA-256 over the canonical form's UTF-8 bytes. */
    public String digest() {
        return sha256(canonicalJson().getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Each term that differs, as "name: pinned X, now Y", in the canonical order; empty when none. */
    public List<String> differences(StudyTerms now) {
        var mine = fields();
        var theirs = now.fields();
        var out = new ArrayList<String>();
        mine.forEach((k, v) -> {
            if (!v.equals(theirs.get(k))) {
                out.add(k + ": pinned " + v + ", now " + theirs.get(k));
            }
        });
        return out;
    }

    /**
     * Reads terms in canonical form, as stored by an agent or published by the coordinator.
     *
     * @throws IllegalArgumentException when {@code json} is not exactly the canonical form of some terms
     */
    public static StudyTerms parse(String json) {
        var values = new LinkedHashMap<String, String>();
        var m = PAIR.matcher(json);
        // Pairs one after another from the opening brace; the re-rendered form must then match exactly.
        for (int at = 1; at < json.length() && m.region(at, json.length()).lookingAt(); at = m.end() + 1) {
            values.put(m.group(1), m.group(2));
        }
        try {
            var terms = new StudyTerms(
                    text(values, "mode"),
                    number(values, "clipNorm"),
                    number(values, "noiseMultiplier"),
                    Integer.parseInt(values.get("expectedBatchSize")),
                    number(values, "delta"),
                    number(values, "epsilonBudget"),
                    text(values, "accountant"),
                    Boolean.parseBoolean(values.get("calibrateAtSite")),
                    Integer.parseInt(values.get("studyRounds")),
                    Boolean.parseBoolean(values.get("secureAggregation")),
                    Long.parseLong(values.get("maxSiteExamples")),
                    number(values, "evaluationNoiseMultiplier"),
                    text(values, "dataset"));
            if (terms.canonicalJson().equals(json)) {
                return terms;
            }
        } catch (RuntimeException e) {
            // falls through to the one message below
        }
        throw new IllegalArgumentException("not study terms in canonical form (" + FORMAT + "): " + json);
    }

    private Map<String, String> fields() {
        var f = new LinkedHashMap<String, String>();
        f.put("accountant", quote(accountant));
        f.put("calibrateAtSite", Boolean.toString(calibrateAtSite));
        f.put("clipNorm", number(clipNorm));
        f.put("dataset", quote(dataset));
        f.put("delta", number(delta));
        f.put("epsilonBudget", number(epsilonBudget));
        f.put("evaluationNoiseMultiplier", number(evaluationNoiseMultiplier));
        f.put("expectedBatchSize", Integer.toString(expectedBatchSize));
        f.put("format", quote(FORMAT));
        f.put("maxSiteExamples", Long.toString(maxSiteExamples));
        f.put("mode", quote(mode));
        f.put("noiseMultiplier", number(noiseMultiplier));
        f.put("secureAggregation", Boolean.toString(secureAggregation));
        f.put("studyRounds", Integer.toString(studyRounds));
        f.put("unit", quote(unit()));
        return f;
    }

    private static String number(double x) {
        if (!Double.isFinite(x)) {
            return quote(Double.toString(x));
        }
        return Double.toString(x);
    }

    private static String quote(String s) {
        var sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            String ch = new String(Character.toChars(c));
            if (PLAIN.matcher(ch).matches()) {
                sb.append(ch);
            } else {
                for (char u : ch.toCharArray()) {
                    sb.append(String.format("\\u%04x", (int) u));
                }
            }
        });
        return sb.append('"').toString();
    }

    private static String text(Map<String, String> values, String key) {
        String v = values.get(key);
        if (v == null || !v.startsWith("\"")) {
            throw new IllegalArgumentException(key);
        }
        var sb = new StringBuilder();
        for (int i = 1; i < v.length() - 1; i++) {
            if (v.charAt(i) == '\\') {
                sb.append((char) Integer.parseInt(v.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                sb.append(v.charAt(i));
            }
        }
        return sb.toString();
    }

    private static double number(Map<String, String> values, String key) {
        String v = values.get(key);
        return Double.parseDouble(v.startsWith("\"") ? text(values, key) : v);
    }
}
