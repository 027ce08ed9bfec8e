package org.cohort.privacy.accounting;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the small JSON subset event histories are exported in (objects, arrays, strings,
 * numbers), strictly: duplicate keys, trailing text and bad escapes are refused with their
 * offset. Writing is {@link org.cohort.privacy.json.CanonicalJson}'s job; this side stays here so
 * that the privacy module needs no JSON library, and it accepts any key order and number spelling
 * so that histories exported before the RFC 8785 form still read back.
 */
final class StrictJsonReader {

    private StrictJsonReader() {}

    static Object parse(String json) {
        Parser p = new Parser(json);
        p.skipWhitespace();
        Object value = p.value();
        p.skipWhitespace();
        if (p.pos != json.length()) {
            throw p.error("trailing characters");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asObject(Object o, String what) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object for " + what);
        }
        return (Map<String, Object>) o;
    }

    static String string(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof String s)) {
            throw new IllegalArgumentException("expected string field '" + key + "'");
        }
        return s;
    }

    static List<?> array(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof List<?> l)) {
            throw new IllegalArgumentException("expected array field '" + key + "'");
        }
        return l;
    }

    static double number(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof BigDecimal d)) {
            throw new IllegalArgumentException("expected number field '" + key + "'");
        }
        return d.doubleValue();
    }

    static long integer(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof BigDecimal d)) {
            throw new IllegalArgumentException("expected integer field '" + key + "'");
        }
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("field '" + key + "' must be an integer, got " + d, e);
        }
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Object value() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        Map<String, Object> object() {
            Map<String, Object> out = new LinkedHashMap<>();
            pos++;
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return out;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a key");
                }
                String key = string();
                skipWhitespace();
                expect(':');
                skipWhitespace();
                if (out.put(key, value()) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                skipWhitespace();
                char c = next();
                if (c == '}') {
                    return out;
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        List<Object> array() {
            List<Object> out = new ArrayList<>();
            pos++;
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return out;
            }
            while (true) {
                skipWhitespace();
                out.add(value());
                skipWhitespace();
                char c = next();
                if (c == ']') {
                    return out;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }

        String string() {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (true) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c == '\\') {
                    char e = next();
                    switch (e) {
                        case '"', '\\', '/' -> sb.append(e);
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            if (pos + 4 > s.length()) {
                                throw error("truncated \\u escape");
                            }
                            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                            pos += 4;
                        }
                        default -> throw error("bad escape '\\" + e + "'");
                    }
                } else if (c < 0x20) {
                    throw error("control character in string");
                } else {
                    sb.append(c);
                }
            }
        }

        BigDecimal number() {
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            try {
                return new BigDecimal(s.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("bad number '" + s.substring(start, pos) + "'");
            }
        }

        void skipWhitespace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        char peek() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(pos);
        }

        char next() {
            char c = peek();
            pos++;
            return c;
        }

        void expect(char c) {
            if (next() != c) {
                throw error("expected '" + c + "'");
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("invalid event history JSON at offset " + pos + ": " + what);
        }
    }
}
