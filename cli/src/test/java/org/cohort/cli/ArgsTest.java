package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final Set<String> OPTIONS = Set.of("q", "sigma", "steps", "delta");

    private static Args parse(String... tokens) {
        return Args.parse("privacy epsilon", List.of(tokens), OPTIONS);
    }

    @Test
    void readsSpaceAndEqualsForms() {
        Args a = parse("--q", "0.01", "--sigma=1.1", "--steps", "1_000", "--delta", "1e-5");
        assertThat(a.number("q")).isEqualTo(0.01);
        assertThat(a.number("sigma")).isEqualTo(1.1);
        assertThat(a.integer("steps")).isEqualTo(1000L);
        assertThat(a.number("delta")).isEqualTo(1e-5);
        assertThat(a.has("rounds")).isFalse();
        assertThat(a.help()).isFalse();
    }

    @Test
    void acceptsNegativeNumbersAsValues() {
        assertThat(parse("--q", "-1").number("q")).isEqualTo(-1.0);
    }

    @Test
    void recognisesHelpAnywhere() {
        assertThat(parse("--q", "0.1", "--help").help()).isTrue();
        assertThat(parse("-h").help()).isTrue();
    }

    @Test
    void namesAnUnknownOptionAndSuggestsTheNearestOne() {
        assertThatThrownBy(() -> parse("--sigm", "1.1"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("has no option --sigm (did you mean --sigma?)")
                .hasMessageContaining("it takes --delta, --q, --sigma, --steps")
                .hasMessageContaining("cohort privacy epsilon --help");
    }

    @Test
    void refusesAnOptionWithoutItsValue() {
        assertThatThrownBy(() -> parse("--q", "--sigma", "1")).hasMessage("--q needs a value, e.g. --q 0.01");
        assertThatThrownBy(() -> parse("--delta")).hasMessage("--delta needs a value, e.g. --delta 1e-5");
    }

    @Test
    void refusesRepeatedOptionsAndStrayWords() {
        assertThatThrownBy(() -> parse("--q", "1", "--q", "2")).hasMessageContaining("--q is given twice");
        assertThatThrownBy(() -> parse("0.01")).hasMessageContaining("takes no argument '0.01'");
    }

    @Test
    void explainsNumbersThatAreNotNumbers() {
        assertThatThrownBy(() -> parse("--q", "one").number("q"))
                .hasMessage("--q must be a number, got 'one' (e.g. --q 0.01)");
        assertThatThrownBy(() -> parse("--steps", "1.5").integer("steps"))
                .hasMessage("--steps must be a whole number, got '1.5' (e.g. --steps 1000)");
    }
}
