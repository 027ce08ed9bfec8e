package org.cohort.privacy.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8785's own examples and test vectors (§3.2.2, §3.2.3, §3.2.4, Appendix B). */
class CanonicalJsonTest {

    @Test
    void writesTheRfcsSampleAndItsUtf8Bytes() {
        // §3.2.2's input: its string is written there with escapes for the euro sign, U+000F, the line
        // feed, 'B', the quote and a backslash; Java reads the same escapes here.
        var m = new LinkedHashMap<String, Object>();
        m.put("numbers", List.of(333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001));
        m.put("string", "\u20ac$\u000F\nA'B\"\\\\\"/");
        var literals = new java.util.ArrayList<Object>();
        literals.add(null);
        literals.add(true);
        literals.add(false);
        m.put("literals", literals);

        String json = CanonicalJson.write(m);

        assertThat(json)
                .isEqualTo("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
                        + "1e-27],\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
        // §3.2.4: the same output as UTF-8 bytes.
        assertThat(HexFormat.of().formatHex(json.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(("""
        7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
        75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
        5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
        65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
        5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
        30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d""").replaceAll("\\s", ""));
    }

    @Test
    void sortsKeysByUtf16CodeUnits() {
        // §3.2.3: sorted as "\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33".
        var m = new LinkedHashMap<String, Object>();
        m.put("\u20ac", "Euro Sign");
        m.put("\r", "Carriage Return");
        m.put("\ufb33", "Hebrew Letter Dalet With Dagesh");
        m.put("1", "One");
        m.put("\ud83d\ude00", "Emoji: Grinning Face");
        m.put("\u0080", "Control");
        m.put("\u00f6", "Latin Small Letter O With Diaeresis");

        assertThat(CanonicalJson.write(m))
                .isEqualTo("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
                        + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
                        + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
    }

    @Test
    void writesEveryFiniteNumberOfAppendixB() {
        String[][] vectors = {
            {"0000000000000000", "0"},
            {"8000000000000000", "0"},
            {"0000000000000001", "5e-324"},
            {"8000000000000001", "-5e-324"},
            {"7fefffffffffffff", "1.7976931348623157e+308"},
            {"ffefffffffffffff", "-1.7976931348623157e+308"},
            {"4340000000000000", "9007199254740992"},
            {"c340000000000000", "-9007199254740992"},
            {"4430000000000000", "295147905179352830000"},
            {"44b52d02c7e14af5", "9.999999999999997e+22"},
            {"44b52d02c7e14af6", "1e+23"},
            {"44b52d02c7e14af7", "1.0000000000000001e+23"},
            {"444b1ae4d6e2ef4e", "999999999999999700000"},
            {"444b1ae4d6e2ef4f", "999999999999999900000"},
            {"444b1ae4d6e2ef50", "1e+21"},
            {"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
            {"3eb0c6f7a0b5ed8d", "0.000001"},
            {"41b3de4355555553", "333333333.3333332"},
            {"41b3de4355555554", "333333333.33333325"},
            {"41b3de4355555555", "333333333.3333333"},
            {"41b3de4355555556", "333333333.3333334"},
            {"41b3de4355555557", "333333333.33333343"},
            {"becbf647612f3696", "-0.0000033333333333333333"},
            {"43143ff3c1cb0959", "1424953923781206.2"},
        };
        for (String[] v : vectors) {
            double x = Double.longBitsToDouble(Long.parseUnsignedLong(v[0], 16));
            assertThat(CanonicalJson.number(x)).as(v[0]).isEqualTo(v[1]);
        }
        // Appendix B's two that JSON cannot hold: NaN and Infinity.
        for (String bits : List.of("7fffffffffffffff", "7ff0000000000000")) {
            double x = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
            assertThatThrownBy(() -> CanonicalJson.number(x)).hasMessageContaining("write it as a string");
        }
    }

    @Test
    void writesNumbersAsEcmaScriptDoes() {
        assertThat(CanonicalJson.number(1e-7)).isEqualTo("1e-7");
        assertThat(CanonicalJson.number(1E+21)).isEqualTo("1e+21");
        assertThat(CanonicalJson.number(1e20)).isEqualTo("100000000000000000000");
        assertThat(CanonicalJson.number(1e-5)).isEqualTo("0.00001");
        assertThat(CanonicalJson.number(-0.0)).isEqualTo("0");
        assertThat(CanonicalJson.number(-1.5)).isEqualTo("-1.5");
        assertThat(CanonicalJson.number(1.1)).isEqualTo("1.1");
        // Integer types are written exactly, even past 2^53 where a double would round.
        assertThat(CanonicalJson.write(List.of(1, 2L, 3.0, 9007199254740993L))).isEqualTo("[1,2,3,9007199254740993]");
    }

    @Test
    void escapesOnlyQuotesBackslashesAndControlCharacters() {
        assertThat(CanonicalJson.write("\u20ac$\u000F\nA'B\"\\\\\"/"))
                .isEqualTo("\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
        assertThat(CanonicalJson.write("\b\f\t\r\u001f\u007f")).isEqualTo("\"\\b\\f\\t\\r\\u001f\u007f\"");
    }

    @Test
    void writesNestedValuesTimesAndEnumsAsStrings() {
        var mid = new java.util.HashMap<String, Object>();
        mid.put("b", ChronoUnit.DAYS);
        mid.put("a", null);
        assertThat(CanonicalJson.write(Map.of(
                        "zeta",
                        1,
                        "alpha",
                        List.of(true, false),
                        "mid",
                        mid,
                        "at",
                        Instant.parse("2026-03-01T09:30:00Z"))))
                .isEqualTo(
                        "{\"alpha\":[true,false],\"at\":\"2026-03-01T09:30:00Z\",\"mid\":{\"a\":null,\"b\":\"DAYS\"},"
                                + "\"zeta\":1}");
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
