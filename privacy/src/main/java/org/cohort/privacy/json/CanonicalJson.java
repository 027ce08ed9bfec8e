package org.cohort.privacy.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * JSON Canonicalization Scheme (RFC 8785): object keys sorted by UTF-16 code units, no
 * whitespace, strings escaped minimally, numbers in ECMAScript form. The same value always gives
 * the same bytes, so hashes over them can be recomputed by any JCS implementation (integers
 * beyond 2^53 are written exactly, where JCS would round them).
 *
 * <p>Why one class for the whole project: audit entries are hashed over this text, so a second
 * writer that spells a number differently ({@code 1.0E-5} for {@code 0.00001}) would make two
 * hashes of one value. Stored entries never depend on this class staying the same, though: their
 * hashes cover the text as stored, not a re-serialisation.
 */
public final class CanonicalJson {

    private CanonicalJson() {}

    /**
     * Canonical JSON of {@code value}: null, Boolean, Number, CharSequence, Map with String keys,
     * Collection or array of those; enums, UUIDs and java.time values become strings.
     *
     * @throws IllegalArgumentException for anything else, or a NaN or infinite number
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value) {
        switch (value) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b);
            case CharSequence s -> string(sb, s.toString());
            case Enum<?> e -> string(sb, e.name());
            case UUID u -> string(sb, u.toString());
            case TemporalAccessor t -> string(sb, t.toString());
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Short s -> sb.append(s);
            case Byte b -> sb.append(b);
            case BigInteger i -> sb.append(i);
            case Number n -> sb.append(number(n.doubleValue()));
            case Map<?, ?> m -> object(sb, m);
            case Collection<?> c -> array(sb, c);
            case Object[] a -> array(sb, List.of(a));
            default ->
                throw new IllegalArgumentException(
                        "canonical JSON holds JSON values only (string, number, boolean," + " null, map, list); got "
                                + value.getClass().getName() + " - convert it to one of those first");
        }
    }

    private static void object(StringBuilder sb, Map<?, ?> m) {
        List<String> keys = new ArrayList<>(m.size());
        for (Object k : m.keySet()) {
            if (!(k instanceof String s)) {
                throw new IllegalArgumentException("JSON object keys must be strings, got " + k);
            }
            keys.add(s);
        }
        keys.sort(null); // String.compareTo orders by UTF-16 code units, as RFC 8785 §3.2.3 asks
        sb.append('{');
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            string(sb, keys.get(i));
            sb.append(':');
            write(sb, m.get(keys.get(i)));
        }
        sb.append('}');
    }

    private static void array(StringBuilder sb, Collection<?> c) {
        sb.append('[');
        boolean first = true;
        for (Object o : c) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            write(sb, o);
        }
        sb.append(']');
    }

    /** RFC 8785 §3.2.2.2: only '"', '\\' and control characters are escaped. */
    public static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * ECMAScript Number.prototype.toString (RFC 8785 §3.2.2.3), from Java's shortest
     * round-tripping digits (JDK 19 and later).
     *
     * @throws IllegalArgumentException for NaN and infinities, which JSON cannot hold
     */
    public static String number(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("JSON has no NaN or infinity (got " + x + "); write it as a string");
        }
        if (x == 0) {
            return "0";
        }
        if (x < 0) {
            return "-" + number(-x);
        }
        BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        if (d.precision() == 2) {
            // Double.toString prints at least two digits ("4.9E-324"); ECMAScript wants the shortest ("5e-324").
            BigDecimal one = d.round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (one.doubleValue() == x) {
                d = one.stripTrailingZeros();
            }
        }
        String digits = d.unscaledValue().toString();
        int k = digits.length();
        int n = k - d.scale(); // x = 0.digits × 10^n
        if (k <= n && n <= 21) {
            return digits + "0".repeat(n - k);
        }
        if (0 < n && n <= 21) {
            return digits.substring(0, n) + "." + digits.substring(n);
        }
        if (-6 < n && n <= 0) {
            return "0." + "0".repeat(-n) + digits;
        }
        int e = n - 1;
        String exponent = (e < 0 ? "-" : "+") + Math.abs(e);
        return k == 1 ? digits + "e" + exponent : digits.charAt(0) + "." + digits.substring(1) + "e" + exponent;
    }
}
