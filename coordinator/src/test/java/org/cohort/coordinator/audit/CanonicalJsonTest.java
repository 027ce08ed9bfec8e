package org.cohort.coordinator.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    @Test
    void sortsKeysAndWritesNoWhitespace() {
        var m = new LinkedHashMap<String, Object>();
        m.put("zeta", 1);
        m.put("alpha", List.of(true, false));
        var mid = new java.util.HashMap<String, Object>();
        mid.put("b", "x");
        mid.put("a", null);
        m.put("mid", mid);
        assertThat(CanonicalJson.write(m)).isEqualTo("{\"alpha\":[true,false],\"mid\":{\"a\":null,\"b\":\"x\"},\"zeta\":1}");
    }

    @Test
    void sortsKeysByUtf16CodeUnitsAsRfc8785Asks() {
        // RFC 8785 §3.2.3 example: sorted order "\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33".
        var m = new LinkedHashMap<String, Object>();
        for (String k : new String[] {"\u20ac", "\r", "\ufb33", "1", "\ud83d\ude00", "\u0080", "\u00f6"}) {
            m.put(k, k.length());
        }
        String json = CanonicalJson.write(m);
        assertThat(json).isEqualTo("{\"\\r\":1,\"1\":1,\"\u0080\":1,\"\u00f6\":1,\"\u20ac\":1,\"\ud83d\ude00\":2,\"\ufb33\":1}");
    }

    @Test
    void writesNumbersAsEcmaScriptDoes() {
        // RFC 8785 appendix B and ECMAScript Number::toString.
        double[] in = {0.0, -0.0, 1e-7, 1e21, 1e20, 0.000001, 1e-5, 4.5, 2e-3, 123456789012345680000.0, 5e-324,
                1.7976931348623157e308, 333333333.33333329, -1.5, 1.1, 0.01, 1e-27};
        String[] out = {"0", "0", "1e-7", "1e+21", "100000000000000000000", "0.000001", "0.00001", "4.5", "0.002",
                "123456789012345680000", "5e-324", "1.7976931348623157e+308", "333333333.3333333", "-1.5", "1.1", "0.01",
                "1e-27"};
        String[] actual = Arrays.stream(in).mapToObj(CanonicalJson::number).toArray(String[]::new);
        assertThat(actual).containsExactly(out);
        assertThat(CanonicalJson.write(List.of(1, 2L, 3.0, 9007199254740993L))).isEqualTo("[1,2,3,9007199254740993]");
    }

    @Test
    void escapesOnlyQuotesBackslashesAndControlCharacters() {
        // RFC 8785 §3.2.2.2 example.
        assertThat(CanonicalJson.write("\u20ac$\u000F\nA'B\"\\\\\"/"))
                .isEqualTo("\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    }

    @Test
    void writesTimesEnumsAsStrings() {
        assertThat(CanonicalJson.write(Map.of("at", Instant.parse("2026-03-01T09:30:00Z"), "kind", AuditKind.ENROLLMENT)))
                .isEqualTo("{\"at\":\"2026-03-01T09:30:00Z\",\"kind\":\"ENROLLMENT\"}");
    }

    @Test
    void refusesWhatJsonCannotHold() {
        assertThatThrownBy(() -> CanonicalJson.write(Map.of("eps", Double.POSITIVE_INFINITY)))
                .hasMessageContaining("write it as a string");
        assertThatThrownBy(() -> CanonicalJson.write(Map.of("x", new Object())))
                .hasMessageContaining("convert it to one of those first");
        assertThatThrownBy(() -> CanonicalJson.write(Map.of(1, "x"))).hasMessageContaining("keys must be strings");
    }
}
