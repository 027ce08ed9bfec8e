package org.cohort.coordinator.study;

import java.util.function.Function;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;

/**
 * The study spec's privacy enums as the words of the REST API ("patient", "rdp"), read and written
 * through {@link PrivacyWords}, so the JSON a person writes, the JSON stored with a study and the
 * wire enums share one mapping. An unknown word fails the request with that mapping's message.
 */
public final class PrivacyWordsJson {
    private PrivacyWordsJson() {}

    public static final class ModeReader extends WordReader<PrivacyMode> {
        public ModeReader() {
            super(PrivacyWords::mode);
        }
    }

    public static final class ModeWriter extends WordWriter<PrivacyMode> {
        public ModeWriter() {
            super(PrivacyWords::word);
        }
    }

    public static final class AccountantReader extends WordReader<Accountant> {
        public AccountantReader() {
            super(PrivacyWords::accountant);
        }
    }

    public static final class AccountantWriter extends WordWriter<Accountant> {
        public AccountantWriter() {
            super(PrivacyWords::word);
        }
    }

    /** Reads a word (Jackson needs a class with a no-argument constructor per enum). */
    private abstract static class WordReader<E> extends ValueDeserializer<E> {
        private final Function<String, E> parse;

        WordReader(Function<String, E> parse) {
            this.parse = parse;
        }

        @Override
        public E deserialize(JsonParser p, DeserializationContext ctxt) {
            return parse.apply(p.getValueAsString());
        }
    }

    /** Writes an enum as its word. */
    private abstract static class WordWriter<E> extends ValueSerializer<E> {
        private final Function<E, String> word;

        WordWriter(Function<E, String> word) {
            this.word = word;
        }

        @Override
        public void serialize(E value, JsonGenerator gen, SerializationContext ctxt) {
            gen.writeString(word.apply(value));
        }
    }
}
